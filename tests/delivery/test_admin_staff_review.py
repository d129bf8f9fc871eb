"""The delivery admin as staff use it (a usability review's findings): the order and its payment one
click away, every next step on the shipment's page, the attempts' history in words, weights in grams,
no cash to collect once none can be, and lists staff can narrow by store, slot day, rider and customer."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delivery import services
from delivery.events import ShipmentOutForDelivery, ShipmentPacked, ShipmentReturned
from delivery.models import Rider, Shipment
from shop.eventbus.testing import captured_events
from tests.accounts.factories import UserFactory
from tests.history import admin_history
from tests.payments.factories import CodIntentFactory

from .factories import RiderFactory, ShipmentFactory, ShipmentLineFactory, SlotFactory, StoreFactory


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _page(client: Client, shipment: Shipment) -> str:
    response = client.get(f"/admin/delivery/shipment/{shipment.pk}/change/")
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def _with_rider(**fields: Any) -> Shipment:
    store = StoreFactory()
    shipment: Shipment = ShipmentFactory(store_id=store.store_id, rider=RiderFactory(store_id=store.store_id), **fields)
    return shipment


def _queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _listed(page: str) -> set[str]:
    """The tracking codes in the list's rows."""
    return set(re.findall(r'<th class="field-tracking_code"><a [^>]*>(\w+)</a>', page))


# 1. The order and its payment, linked from the shipment.


@pytest.mark.django_db
def test_the_shipment_links_its_order_and_a_payment_search_that_finds_it(admin_client: Client) -> None:
    shipment = ShipmentFactory()
    CodIntentFactory(order_id=shipment.order_id)
    CodIntentFactory()  # another order's

    page = _page(admin_client, shipment)

    assert f'href="/admin/orders/order/{shipment.order_id}/change/"' in page
    assert f"Order {str(shipment.order_id)[:8].upper()}" in page
    payment_search = f"/admin/payments/paymentintent/?q={shipment.order_id}"
    assert f'href="{payment_search}"' in page
    found = admin_client.get(payment_search).content.decode()
    assert "1 payment intent" in found
    assert str(shipment.order_id) in found


# 2. The next steps, on the shipment's page.


def _steps(page: str, shipment: Shipment) -> set[str]:
    """The steps the page links (besides the admin's own history)."""
    return set(re.findall(rf'href="/admin/delivery/shipment/{shipment.pk}/(\w+)/"', page)) - {"history"}


@pytest.mark.parametrize(
    ("fields", "with_rider", "offered"),
    [
        ({"status": "pending"}, False, {"pick", "assign"}),
        ({"status": "picked"}, False, {"pack", "assign"}),
        ({"status": "packed"}, False, {"assign"}),  # no rider: nobody to send out
        ({"status": "packed"}, True, {"assign", "dispatch"}),
        ({"status": "out_for_delivery", "attempts": 1}, True, {"deliver", "fail"}),
        ({"status": "failed", "attempts": 1, "failure_reason": "refused"}, True, {"assign", "dispatch", "return"}),
        # The order was cancelled on the road: it only comes back.
        ({"status": "out_for_delivery", "attempts": 1, "order_cancelled": True}, True, {"fail"}),
        ({"status": "failed", "attempts": 1, "order_cancelled": True}, True, {"assign", "return"}),
        ({"status": "returned", "attempts": 1}, True, set()),
        ({"status": "delivered", "attempts": 1}, True, set()),
    ],
)
@pytest.mark.django_db
def test_the_change_page_offers_every_step_of_the_shipments_state(
    admin_client: Client, fields: dict[str, Any], with_rider: bool, offered: set[str]
) -> None:
    shipment = _with_rider(**fields) if with_rider else ShipmentFactory(**fields)

    assert _steps(_page(admin_client, shipment), shipment) == offered


@pytest.mark.django_db
def test_staff_pack_from_the_shipments_page_after_confirming(admin_client: Client) -> None:
    shipment = ShipmentFactory(status="picked", tracking_code="DLPACKME2345")
    ShipmentLineFactory(shipment=shipment, outcome="found", quantity=2, quantity_picked=2)
    url = f"/admin/delivery/shipment/{shipment.pk}/pack/"

    confirm = admin_client.get(url).content.decode()
    assert Shipment.objects.get(pk=shipment.pk).status == "picked"  # opening the page changes nothing
    assert "bagged and sealed" in confirm

    with captured_events() as published:
        response = admin_client.post(url, follow=True)

    assert response.redirect_chain == [(f"/admin/delivery/shipment/{shipment.pk}/change/", 302)]
    assert "DLPACKME2345: packed." in response.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).status == "packed"
    assert [type(e) for e in published] == [ShipmentPacked]
    assert [(flag, message) for _, flag, message in admin_history(shipment)] == [(CHANGE, "Packed")]


@pytest.mark.django_db
def test_staff_send_a_failed_shipment_out_again_then_return_it_from_its_page(admin_client: Client) -> None:
    shipment = _with_rider(status="failed", attempts=1, failure_reason="customer_unavailable")
    page = f"/admin/delivery/shipment/{shipment.pk}"

    assert "attempt 2" in admin_client.get(f"{page}/dispatch/").content.decode()
    with captured_events() as published:
        admin_client.post(f"{page}/dispatch/")
    shipment.refresh_from_db()
    assert (shipment.status, shipment.attempts) == ("out_for_delivery", 2)
    assert [type(e) for e in published] == [ShipmentOutForDelivery]

    services.fail_delivery(shipment_id=shipment.pk, reason="refused")
    with captured_events() as published:
        response = admin_client.post(f"{page}/return/", follow=True)

    assert Shipment.objects.get(pk=shipment.pk).status == "returned"
    assert [type(e) for e in published] == [ShipmentReturned]
    assert "returned to the store." in response.content.decode()
    assert [message for _, _, message in admin_history(shipment)] == ["Sent out", "Returned to the store"]


@pytest.mark.django_db
def test_a_step_the_service_refuses_goes_back_to_the_page_with_its_reason(admin_client: Client) -> None:
    shipment = _with_rider(status="packed", payment_method="cod", cod_amount_paise=100, cash_total_pending=True)

    response = admin_client.post(f"/admin/delivery/shipment/{shipment.pk}/dispatch/", follow=True)

    assert "waits for the order&#x27;s new total after picking" in response.content.decode()
    assert Shipment.objects.get(pk=shipment.pk).status == "packed"


@pytest.mark.django_db
def test_view_only_staff_get_no_step_and_cannot_post_one() -> None:
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_shipment", content_type__app_label="delivery"))
    client = Client()
    client.force_login(user)
    failed = _with_rider(status="failed", attempts=1, failure_reason="other")

    assert _steps(_page(client, failed), failed) == set()
    for step in ["dispatch", "return"]:
        assert client.post(f"/admin/delivery/shipment/{failed.pk}/{step}/").status_code == 403
    assert Shipment.objects.get(pk=failed.pk).status == "failed"


# 3. Every attempt, with its reason in words.


@pytest.mark.django_db
def test_the_attempts_stay_visible_after_the_shipment_is_sent_out_again(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    shipment = _with_rider(status="packed")
    services.dispatch_shipment(shipment_id=shipment.pk)
    services.fail_delivery(shipment_id=shipment.pk, reason="customer_unavailable")
    services.dispatch_shipment(shipment_id=shipment.pk)
    services.fail_delivery(shipment_id=shipment.pk, reason="address_not_found")
    services.dispatch_shipment(shipment_id=shipment.pk)
    rider = Rider.objects.get(pk=shipment.rider_id)

    with django_assert_max_num_queries(14):
        page = _page(admin_client, shipment)

    attempts = page.split('<table class="attempts">')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\d)</td><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td></tr>", attempts)
    assert [(n, name, ended.split(": ")[-1]) for n, name, ended in rows] == [
        ("1", rider.name, "Customer not available"),
        ("2", rider.name, "Address not found"),
        ("3", rider.name, "On the road"),
    ]
    assert "customer_unavailable" not in page
    assert "address_not_found" not in page


@pytest.mark.django_db
def test_the_current_failure_reads_in_words_and_the_change_page_costs_the_same_for_more_attempts(
    admin_client: Client, django_assert_num_queries: Any
) -> None:
    one = _with_rider(status="packed")
    many = _with_rider(status="packed")
    for shipment, trips in [(one, 1), (many, 4)]:
        for _ in range(trips):
            services.dispatch_shipment(shipment_id=shipment.pk)
            services.fail_delivery(shipment_id=shipment.pk, reason="refused")
    _page(admin_client, one)  # warm the session and content types

    with django_assert_num_queries(_queries_of(admin_client, f"/admin/delivery/shipment/{one.pk}/change/")):
        page = _page(admin_client, many)

    assert '<div class="readonly">Customer refused the order</div>' in page
    assert page.count("Customer refused the order") == 5  # the current reason, then each attempt


# 4. Weights in grams, packs counted.


@pytest.mark.django_db
def test_a_line_sold_by_weight_reads_in_grams_and_a_line_of_packs_in_packs(admin_client: Client) -> None:
    shipment = ShipmentFactory(status="picked")
    ShipmentLineFactory(
        shipment=shipment, title="Apple Royal Gala 500 g", quantity=1000, sold_by_weight=True,
        outcome="weighed", quantity_picked=980,
    )  # fmt: skip
    ShipmentLineFactory(shipment=shipment, title="Toor dal 1 kg", quantity=2, outcome="found", quantity_picked=2)

    page = _page(admin_client, shipment)

    row = page.split("Apple Royal Gala 500 g</p>")[1].split("</tr>")[0]
    assert '<td class="field-ordered"> <p>1,000 g</p>' in row
    assert '<td class="field-picked"> <p>980 g</p>' in row
    assert "per kg" in row
    dal = page.split("Toor dal 1 kg</p>")[1].split("</tr>")[0]
    assert '<td class="field-ordered"> <p>x 2</p>' in dal
    assert "per pack" in dal
    assert "Apple Royal Gala 500 g x 1000" not in page  # the row's old header
    assert ">1000<" not in page


# 5. No cash to collect once none can be.


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"status": "returned", "attempts": 1}, "returned to the store: nothing to collect"),
        ({"status": "cancelled"}, "cancelled: nothing to collect"),
        ({"status": "failed", "attempts": 1, "order_cancelled": True}, "order cancelled: bring it back"),
    ],
)
@pytest.mark.django_db
def test_a_shipment_that_cannot_be_handed_over_shows_no_cash_to_collect(
    admin_client: Client, fields: dict[str, Any], says: str
) -> None:
    shipment = _with_rider(payment_method="cod", cod_amount_paise=75900, tracking_code="DLNOCASH2345", **fields)

    page = _page(admin_client, shipment)
    listing = admin_client.get("/admin/delivery/shipment/").content.decode()

    assert "₹759.00" not in page
    assert says in page
    assert "₹759.00" not in listing
    assert says in listing


@pytest.mark.django_db
def test_a_shipment_still_to_hand_over_shows_its_cash_to_collect(admin_client: Client) -> None:
    shipment = _with_rider(payment_method="cod", cod_amount_paise=75900, status="failed", attempts=1)

    assert "₹759.00" in _page(admin_client, shipment)


# 6. Narrowing the lists.


@pytest.mark.django_db
def test_staff_narrow_shipments_by_store_rider_and_slot_day(admin_client: Client) -> None:
    north, south = StoreFactory(code="BLR-N", title="North"), StoreFactory(code="BLR-S", title="South")
    ravi = RiderFactory(store_id=north.store_id, name="Ravi Kumar")
    RiderFactory(store_id=south.store_id, name="Sunil Das")
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    slot_today = SlotFactory(starts_at=today, ends_at=today + timedelta(hours=2))
    slot_tomorrow = SlotFactory(starts_at=today + timedelta(days=1), ends_at=today + timedelta(days=1, hours=2))
    ShipmentFactory(store_id=north.store_id, rider=ravi, slot=slot_today, tracking_code="DLNORTHTODAY")
    ShipmentFactory(store_id=north.store_id, slot=slot_tomorrow, tracking_code="DLNORTHTMRW2")
    ShipmentFactory(store_id=south.store_id, slot=slot_today, tracking_code="DLSOUTHTODAY")
    ShipmentFactory(store_id=south.store_id, tracking_code="DLSOUTHNOSLT")

    def listed(query: str) -> set[str]:
        return _listed(admin_client.get(f"/admin/delivery/shipment/?{query}").content.decode())

    assert listed(f"store={north.store_id}") == {"DLNORTHTODAY", "DLNORTHTMRW2"}
    assert listed(f"rider={ravi.pk}") == {"DLNORTHTODAY"}
    assert listed("rider=none") == {"DLNORTHTMRW2", "DLSOUTHTODAY", "DLSOUTHNOSLT"}
    assert listed("slot_date=today") == {"DLNORTHTODAY", "DLSOUTHTODAY"}
    assert listed("slot_date=tomorrow") == {"DLNORTHTMRW2"}
    assert listed(f"slot_date={today.date().isoformat()}&store={south.store_id}") == {"DLSOUTHTODAY"}
    assert listed("slot_date=none") == {"DLSOUTHNOSLT"}
    # Once a store is chosen, the rider filter offers only its riders.
    page = admin_client.get(f"/admin/delivery/shipment/?store={north.store_id}").content.decode()
    assert "Ravi Kumar" in page
    assert "Sunil Das" not in page


@pytest.mark.django_db
def test_staff_find_a_shipment_by_customer_name_phone_or_the_orders_short_id(admin_client: Client) -> None:
    customer = UserFactory(full_name="Meera Iyer", phone="+919800011122")
    ShipmentFactory(
        tracking_code="DLASHA234567", recipient_name="Asha Rao", recipient_phone="+919812345678",
        order_id=uuid.UUID("3f2a9c1b-0000-4000-8000-000000000001"),
    )  # fmt: skip
    ShipmentFactory(
        tracking_code="DLMEERA23456", recipient_name="At the gate", recipient_phone="+919700000000",
        customer_id=customer.pk,
    )  # fmt: skip

    def found(term: str) -> set[str]:
        return _listed(admin_client.get("/admin/delivery/shipment/", {"q": term}).content.decode())

    assert found("asha") == {"DLASHA234567"}
    assert found("9812345678") == {"DLASHA234567"}
    assert found("3F2A9C1B") == {"DLASHA234567"}  # as the list shows it
    assert found("Meera") == {"DLMEERA23456"}  # the customer's account
    assert found("9800011122") == {"DLMEERA23456"}


@pytest.mark.django_db
def test_the_shipment_list_shows_the_orders_short_id(admin_client: Client) -> None:
    ShipmentFactory(order_id=uuid.UUID("3f2a9c1b-0000-4000-8000-000000000001"))

    page = admin_client.get("/admin/delivery/shipment/").content.decode()

    assert '<td class="field-order">3F2A9C1B</td>' in page


@pytest.mark.django_db
def test_the_shipment_list_costs_the_same_queries_for_more_rows(
    admin_client: Client, django_assert_num_queries: Any
) -> None:
    store = StoreFactory()
    rider = RiderFactory(store_id=store.store_id)
    ShipmentFactory(store_id=store.store_id, rider=rider, slot=SlotFactory())
    url = f"/admin/delivery/shipment/?store={store.store_id}&slot_date=tomorrow"
    admin_client.get(url)  # warm the session and content types
    few = _queries_of(admin_client, url)
    for _ in range(10):
        other = RiderFactory(store_id=store.store_id)
        ShipmentFactory(store_id=store.store_id, rider=other, slot=SlotFactory(), payment_method="cod")

    with django_assert_num_queries(few):
        page = admin_client.get(url).content.decode()

    assert len(_listed(page)) == 11


@pytest.mark.django_db
def test_staff_narrow_riders_by_store(admin_client: Client) -> None:
    north, south = StoreFactory(code="BLR-N", title="North"), StoreFactory(code="BLR-S", title="South")
    RiderFactory(store_id=north.store_id, name="Ravi Kumar")
    RiderFactory(store_id=south.store_id, name="Sunil Das")

    everyone = admin_client.get("/admin/delivery/rider/").content.decode()
    north_only = admin_client.get(f"/admin/delivery/rider/?store={north.store_id}").content.decode()

    assert "BLR-N · North" in everyone  # the filter's choices name the stores
    assert "Ravi Kumar" in north_only
    assert "Sunil Das" not in north_only
