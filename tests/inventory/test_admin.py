"""The staff screens: lists with their filters, and the actions going through the services."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from inventory import services
from inventory.events import StoreUpdated
from inventory.models import Batch, Movement, Reservation, Sku, Stock, Store
from inventory.services import Line
from shop.accounts.models import User
from shop.eventbus.testing import captured_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="ops@example.in", password="x-long-password-1"))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/inventory/store/",
        "/admin/inventory/sku/",
        "/admin/inventory/stock/",
        "/admin/inventory/stock/?low=yes",
        "/admin/inventory/stock/?low=out",
        "/admin/inventory/batch/?expiry=near",
        "/admin/inventory/batch/?expiry=expired",
        "/admin/inventory/reservation/",
        "/admin/inventory/movement/",
    ],
)
def test_the_lists_render(admin_client, stocked, path):
    stocked(5, days=2)
    assert admin_client.get(path).status_code == 200


def test_the_stock_page_renders(admin_client, stocked):
    stock = Stock.objects.get(sku=stocked(5))
    assert admin_client.get(f"/admin/inventory/stock/{stock.pk}/change/").status_code == 200


def test_receive_action_asks_then_books_a_receipt(admin_client, stocked):
    stock = Stock.objects.get(sku=stocked(5))
    post = {"action": "receive_stock", "_selected_action": [str(stock.pk)]}

    form = admin_client.post("/admin/inventory/stock/", post)
    done = admin_client.post("/admin/inventory/stock/", {**post, "apply": "1", "quantity": "7", "batch_code": "GRN-9"})

    assert b"Receive stock" in form.content
    assert done.status_code == 302
    stock.refresh_from_db()
    assert stock.on_hand == 12
    assert Movement.objects.filter(kind="receipt", batch__code="GRN-9").count() == 1


def test_adjust_action_refusal_is_shown_and_changes_nothing(admin_client, stocked):
    stock = Stock.objects.get(sku=stocked(5))
    post = {"action": "adjust_stock", "_selected_action": [str(stock.pk)], "apply": "1", "reason": "lost"}

    admin_client.post("/admin/inventory/stock/", {**post, "delta": "-9"})
    admin_client.post("/admin/inventory/stock/", {**post, "delta": "-2"})

    stock.refresh_from_db()
    assert stock.on_hand == 3


@pytest.mark.parametrize(
    ("action", "field", "value", "error"),
    [
        ("receive_stock", "quantity", "4294967396", "Ensure this value is less than or equal to 1000000."),
        ("adjust_stock", "delta", "4294967303", "Ensure this value is less than or equal to 1000000."),
        ("adjust_stock", "delta", "-1000001", "Ensure this value is greater than or equal to -1000000."),
        ("set_threshold", "threshold", "2147483648", "Ensure this value is less than or equal to 1000000."),
    ],
)
def test_an_action_with_a_number_too_big_is_a_form_error_and_changes_nothing(
    admin_client, stocked, action, field, value, error
):
    stock = Stock.objects.get(sku=stocked(5))
    post = {"action": action, "_selected_action": [str(stock.pk)], "apply": "1", "reason": "count", field: value}

    response = admin_client.post("/admin/inventory/stock/", post)

    assert response.status_code == 200
    assert error in response.content.decode()
    stock.refresh_from_db()
    assert (stock.on_hand, stock.low_stock_threshold) == (5, 0)
    assert Movement.objects.count() == 1


def test_the_admin_cannot_release_a_reservation_only_the_orders_end_does(admin_client, store, stocked):
    # Releasing an awaiting-payment order's hold let its payment be captured for an order that could never confirm.
    milk = stocked(5)
    order_id = uuid.uuid4()
    services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 2)])
    reservation = Reservation.objects.get()

    page = admin_client.get("/admin/inventory/reservation/").content.decode()
    with captured_events() as published:
        admin_client.post(
            "/admin/inventory/reservation/", {"action": "release", "_selected_action": [str(reservation.pk)]}
        )

    assert 'value="release"' not in page
    assert published == []
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.ACTIVE
    assert Stock.objects.get(sku=milk).reserved == 2


def test_adding_a_store_in_the_admin_publishes_it(admin_client):
    with captured_events() as published:
        response = admin_client.post(
            "/admin/inventory/store/add/",
            {
                "code": "blr-jp",
                "title": "JP Nagar",
                "address": "15th Cross, JP Nagar",
                "city": "Bengaluru",
                "pincode": "560078",
                "is_open": "on",
                "latitude": "",
                "longitude": "",
            },
        )
    assert response.status_code == 302
    store = Store.objects.get()
    assert [type(e) for e in published] == [StoreUpdated]
    assert published[0].store_id == store.id


def _viewer() -> Client:
    """A staff user with every view_* permission of inventory and nothing else."""
    user = User.objects.create_user(email="viewer@example.in", password="x-long-password-1", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="inventory", codename__startswith="view_")
    )
    client = Client()
    client.force_login(user)
    return client


def test_view_only_staff_are_offered_no_stock_action_and_posting_one_changes_nothing(stocked):
    stock = Stock.objects.get(sku=stocked(5))
    client = _viewer()

    page = client.get("/admin/inventory/stock/")
    with captured_events() as published:
        for action, field, value in [
            ("receive_stock", "quantity", "7"),
            ("adjust_stock", "delta", "-2"),
            ("set_threshold", "threshold", "3"),
        ]:
            client.post(
                "/admin/inventory/stock/",
                {"action": action, "_selected_action": [str(stock.pk)], "apply": "1", "reason": "count", field: value},
            )

    assert page.status_code == 200
    for action in ["receive_stock", "adjust_stock", "set_threshold"]:
        assert f'value="{action}"' not in page.content.decode()
    assert published == []
    stock.refresh_from_db()
    assert (stock.on_hand, stock.low_stock_threshold) == (5, 0)
    assert Movement.objects.count() == 1


def test_staff_with_the_change_permission_are_offered_the_stock_actions(stocked):
    stocked(5)
    user = User.objects.create_user(email="clerk@example.in", password="x-long-password-1", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="inventory", codename__in=["view_stock", "change_stock"])
    )
    client = Client()
    client.force_login(user)

    page = client.get("/admin/inventory/stock/").content.decode()

    for action in ["receive_stock", "adjust_stock", "set_threshold"]:
        assert f'value="{action}"' in page


@pytest.mark.parametrize("model", ["store", "sku", "stock", "batch", "reservation", "movement"])
def test_no_inventory_row_can_be_deleted_in_the_admin(admin_client, store, stocked, model):
    # Other apps project these rows from inventory's events; a delete in the admin would publish nothing.
    milk = stocked(5)
    services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 2)])
    row_model = {
        "store": Store,
        "sku": Sku,
        "stock": Stock,
        "batch": Batch,
        "reservation": Reservation,
        "movement": Movement,
    }[model]
    row = row_model.objects.first()

    listing = admin_client.get(f"/admin/inventory/{model}/").content.decode()
    page = admin_client.get(f"/admin/inventory/{model}/{row.pk}/delete/")
    posted = admin_client.post(f"/admin/inventory/{model}/{row.pk}/delete/", {"post": "yes"})
    admin_client.post(
        f"/admin/inventory/{model}/", {"action": "delete_selected", "_selected_action": [str(row.pk)], "post": "yes"}
    )

    assert 'value="delete_selected"' not in listing
    assert (page.status_code, posted.status_code) == (403, 403)
    assert row_model.objects.filter(pk=row.pk).exists()
