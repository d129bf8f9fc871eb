"""The staff-usability review of inventory's admin: the stock page the low-stock email links to (named,
with its figures, batches and operations), units everywhere, the ledger's SKU by name, the new on-hand
figure after an operation, adjustments that ask for an expiry, and batches by how soon they expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory import services
from inventory.admin import AdjustForm, quantity_text
from inventory.models import Batch, Movement, Stock
from shop.accounts.models import User
from tests.history import admin_history

from .factories import SkuFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    """Staff who may see and operate stock, not a superuser."""
    staff = User.objects.create_user("stores@example.in", "x-long-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_stock", "change_stock"]))
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="ops@example.in", password="x-long-password-1"))
    return client


@pytest.fixture
def potatoes(store):
    """Baby potatoes sold by weight, 7,250 g on the shelf in a batch expiring in 4 days."""
    sku = SkuFactory(name="Baby Potato 250 g", sku_code="POT-BABY-250", base_unit="g", step=250, shelf_life_days=10)
    services.receive_stock(
        store_id=store.id,
        sku_id=sku.sku_id,
        quantity=7250,
        expires_on=timezone.localdate() + timedelta(days=4),
        batch_code="GRN-POT-1",
    )
    return Stock.objects.get(sku=sku)


def _url(stock: Stock, operation: str = "change") -> str:
    return f"/admin/inventory/stock/{stock.pk}/{operation}/"


@pytest.mark.parametrize(
    ("quantity", "unit", "text"),
    [(7250, "g", "7.25 kg"), (750, "g", "750 g"), (1000, "g", "1 kg"), (1_000_000, "g", "1000 kg"),
     (1, "pcs", "1 pack"), (1200, "pcs", "1,200 packs"), (0, "pcs", "0 packs")],
)  # fmt: skip
def test_quantities_read_in_packs_grams_or_kilos(quantity, unit, text):
    assert quantity_text(quantity, unit) == text
    assert quantity_text(-quantity, unit, signed=True) == (f"-{text}" if quantity else text)


def test_the_stock_page_is_named_and_shows_its_figures_and_batches(operator, store, potatoes):
    services.set_low_stock_threshold(store_id=store.id, sku_id=potatoes.sku_id, threshold=2000)

    page = operator.get(_url(potatoes)).content.decode()

    assert f"<h1>Baby Potato 250 g (POT-BABY-250) at {store.code} ({store.title})</h1>" in page
    assert str(potatoes.pk) not in page.split("<h1>")[1].split("</h1>")[0]
    for figure in ["7.25 kg", "2 kg"]:  # on hand and available; the threshold
        assert figure in page
    assert "GRN-POT-1" in page
    assert "in 4 days" in page


def test_the_stock_page_offers_receive_adjust_and_threshold_to_staff_who_operate(operator, potatoes):
    page = operator.get(_url(potatoes)).content.decode()

    for operation, label in [
        ("receive", "Receive stock"),
        ("adjust", "Adjust stock"),
        ("threshold", "Change threshold"),
    ]:
        assert f'<a href="{_url(potatoes, operation)}">{label}</a>' in page


def test_view_only_staff_see_the_stock_page_without_operations_and_cannot_post_one(potatoes):
    user = User.objects.create_user("viewer@example.in", "x-long-password-1", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename="view_stock"))
    viewer = Client()
    viewer.force_login(user)

    page = viewer.get(_url(potatoes))
    refused = viewer.post(_url(potatoes, "receive"), {"apply": "1", "quantity": "500", "expires_on": "2099-01-01"})

    assert page.status_code == 200
    assert _url(potatoes, "receive") not in page.content.decode()
    assert refused.status_code == 403
    potatoes.refresh_from_db()
    assert potatoes.on_hand == 7250


def test_receive_from_the_stock_page_books_it_says_the_new_on_hand_and_returns_to_the_page(operator, potatoes):
    expires_on = timezone.localdate() + timedelta(days=6)

    form = operator.get(_url(potatoes, "receive"))
    done = operator.post(
        _url(potatoes, "receive"),
        {"apply": "1", "quantity": "1500", "expires_on": expires_on.isoformat(), "batch_code": "RET-TRK1"},
    )

    assert form.status_code == 200
    assert 'name="expires_on"' in form.content.decode()
    assert (done.status_code, done["Location"]) == (302, _url(potatoes))
    said = [str(m) for m in get_messages(done.wsgi_request)]
    assert any("on hand now 8.75 kg" in text for text in said), said
    batch = Batch.objects.get(code="RET-TRK1")
    assert (batch.quantity, batch.expires_on) == (1500, expires_on)


def test_adjust_and_threshold_from_the_stock_page(operator, potatoes):
    adjusted = operator.post(_url(potatoes, "adjust"), {"apply": "1", "delta": "-250", "reason": "bag torn"})
    operator.post(_url(potatoes, "threshold"), {"apply": "1", "threshold": "1000"})

    assert adjusted["Location"] == _url(potatoes)
    assert any("on hand now 7 kg" in str(m) for m in get_messages(adjusted.wsgi_request))
    potatoes.refresh_from_db()
    assert (potatoes.on_hand, potatoes.low_stock_threshold) == (7000, 1000)
    # Who did it: the stock's History, as from the list actions.
    assert len(admin_history(potatoes)) == 2


def test_an_operation_on_a_stock_that_does_not_exist_is_a_404(operator):
    assert operator.get("/admin/inventory/stock/00000000-0000-0000-0000-000000000000/receive/").status_code == 404


def test_the_list_action_says_the_new_on_hand_too(admin_client, potatoes):
    done = admin_client.post(
        "/admin/inventory/stock/",
        {"action": "adjust_stock", "_selected_action": [str(potatoes.pk)], "apply": "1", "delta": "-250",
         "reason": "bag torn"},
    )  # fmt: skip

    said = [str(m) for m in get_messages(done.wsgi_request)]
    assert any("Baby Potato 250 g (POT-BABY-250)" in text and "on hand now 7 kg" in text for text in said), said


def test_a_positive_adjustment_takes_the_goods_expiry(operator, potatoes):
    expires_on = timezone.localdate() + timedelta(days=5)

    operator.post(
        _url(potatoes, "adjust"),
        {"apply": "1", "delta": "500", "reason": "found in the cold room", "expires_on": expires_on.isoformat()},
    )

    found = Batch.objects.get(stock=potatoes, code__startswith="ADJ-")
    assert (found.quantity, found.expires_on) == (500, expires_on)


def test_a_positive_adjustment_of_a_sku_with_a_shelf_life_needs_an_expiry(operator, potatoes):
    response = operator.post(_url(potatoes, "adjust"), {"apply": "1", "delta": "500", "reason": "found"})
    received = operator.post(_url(potatoes, "receive"), {"apply": "1", "quantity": "500"})

    for refused in (response, received):
        said = [str(m) for m in get_messages(refused.wsgi_request)]
        assert any("give the batch's expiry date" in text for text in said), said
    potatoes.refresh_from_db()
    assert potatoes.on_hand == 7250
    assert not Batch.objects.filter(expires_on__isnull=True).exists()


def test_a_sku_without_a_shelf_life_may_still_go_in_without_an_expiry(operator, stocked):
    stock = Stock.objects.get(sku=stocked(5))  # the factory's SKU has no shelf life

    operator.post(_url(stock, "adjust"), {"apply": "1", "delta": "2", "reason": "found"})

    stock.refresh_from_db()
    assert stock.on_hand == 7


def test_a_negative_adjustment_with_an_expiry_is_a_form_error():
    form = AdjustForm({"delta": "-2", "reason": "lost", "expires_on": "2099-01-01"})
    assert not form.is_valid()
    assert "expires_on" in form.errors


def test_the_adjust_form_sends_goods_coming_back_to_receive_stock():
    assert '"Receive stock"' in str(AdjustForm().fields["delta"].help_text)


def test_the_stock_list_shows_units_in_bounded_queries(admin_client, store, potatoes, stocked):
    stocked(5, days=None)

    with CaptureQueriesContext(connection) as few:
        page = admin_client.get("/admin/inventory/stock/").content.decode()
    for _ in range(5):
        stocked(3)
    with CaptureQueriesContext(connection) as more:
        admin_client.get("/admin/inventory/stock/")

    assert "7.25 kg" in page
    assert "5 packs" in page
    assert len(more) == len(few)


def test_the_ledger_names_the_sku_in_bounded_queries(admin_client, potatoes, stocked):
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get("/admin/inventory/movement/").content.decode()
    for _ in range(5):
        stocked(3)
    with CaptureQueriesContext(connection) as more:
        admin_client.get("/admin/inventory/movement/")

    assert "Baby Potato 250 g (POT-BABY-250)" in page
    assert "+7.25 kg" in page
    assert str(potatoes.sku_id) not in page
    assert len(more) == len(few)


def test_the_ledger_is_searched_by_sku_name(admin_client, potatoes, stocked):
    milk = stocked(3)
    page = admin_client.get("/admin/inventory/movement/?q=baby+potato").content.decode()
    assert page.count("Baby Potato 250 g (POT-BABY-250)") == 1
    assert milk.name not in page


@pytest.mark.parametrize(
    ("expiry", "shown"),
    [
        ("today", ["B-0"]),
        ("near", ["B-0", "B-3"]),
        ("7", ["B-0", "B-3", "B-6"]),
        ("14", ["B-0", "B-3", "B-6", "B-13"]),
        ("expired", ["B-PAST"]),
    ],
)
def test_batches_by_how_soon_they_expire(admin_client, expiry, shown):
    store, sku = StoreFactory(), SkuFactory()
    today = timezone.localdate()
    for days in (0, 3, 6, 13, 30):
        services.receive_stock(
            store_id=store.id, sku_id=sku.sku_id, quantity=2, expires_on=today + timedelta(days=days),
            batch_code=f"B-{days}",
        )  # fmt: skip
    services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=2, batch_code="B-NEVER")
    services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=2, batch_code="B-PAST", expires_on=today)
    Batch.objects.filter(code="B-PAST").update(expires_on=today - timedelta(days=1))

    page = admin_client.get(f"/admin/inventory/batch/?expiry={expiry}").content.decode()

    listed = sorted(code for code in ["B-0", "B-3", "B-6", "B-13", "B-30", "B-NEVER", "B-PAST"] if f">{code}<" in page)
    assert listed == sorted(shown)
    assert Movement.objects.count() == 7
