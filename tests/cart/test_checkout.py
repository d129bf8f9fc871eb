"""Checkout: once per Idempotency-Key, prices frozen, the order follows through the bus."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cart.events import CheckoutSubmitted
from cart.models import Cart, Checkout
from orders.models import Order
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events, deliver_pending

from .conftest import GHEE, MILK, STORE, Shopper, publish_world

SLOT = uuid.UUID("51000000-0000-0000-0000-000000000001")


# The slot: checked and priced from delivery's SlotOpened, before anything is written

OTHER_ZONE = uuid.UUID("20000000-0000-0000-0000-000000000002")
OTHER_STORE = uuid.UUID("5e000000-0000-0000-0000-000000000002")


def _open_slot(
    *, slot_id=None, zone_id=None, mode: str = "standard", starts: str = "2027-06-01T08:00:00+05:30", cutoff=None
):
    from datetime import datetime, timedelta

    from django.db import transaction

    from delivery.events import SlotOpened
    from shop.eventbus import publish

    from .conftest import ZONE

    slot_id = slot_id or uuid.uuid4()
    starts_at = datetime.fromisoformat(starts)
    with transaction.atomic():
        publish(
            SlotOpened(
                slot_id=slot_id,
                zone_id=zone_id or ZONE,
                store_id=OTHER_STORE if zone_id == OTHER_ZONE else STORE,
                mode=mode,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                cutoff_at=cutoff or starts_at - timedelta(minutes=30),
            ),
            key=slot_id,
        )
    deliver_pending()
    return slot_id


def _fill(shopper: Shopper) -> None:
    """A cart worth checking out at 560038, and SLOT open there tomorrow (the cart has heard of it)."""
    from django.utils import timezone

    _open_slot(slot_id=SLOT, starts=(timezone.localtime() + timedelta(days=1)).isoformat())
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 2}, format="json")
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(GHEE), "quantity": 1}, format="json")


def _checkout(client: APIClient, key: str | None = "key-1", **body):
    payload = {"slot_id": str(SLOT), "payment_method": "cod", **body}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/checkout/", payload, format="json", **headers)


@pytest.mark.django_db
def test_checkout_answers_202_publishes_the_frozen_cart_and_empties_it(shopper: Shopper) -> None:
    _fill(shopper)
    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id))

    assert response.status_code == 202
    order_id = response.json()["order_id"]
    assert response.json()["status_url"] == f"/api/v1/orders/{order_id}/"
    [submitted] = published
    assert isinstance(submitted, CheckoutSubmitted)
    assert str(submitted.order_id) == order_id
    assert submitted.total_paise == 6000 + 65000
    assert [(line.sku_id, line.quantity, line.unit_price_paise) for line in submitted.lines] == [
        (MILK, 2, 3000),
        (GHEE, 1, 65000),
    ]
    assert submitted.address.pincode == "560038"
    assert shopper.client.get("/api/v1/cart/").json()["lines"] == []

    deliver_pending()  # orders takes it from here (and delivery, which never made this slot, refuses it)
    order = Order.objects.get(pk=order_id)
    assert (order.total_paise, order.customer_id) == (71000, shopper.user.id)
    assert order.transitions.first().to_status == "pending"
    detail = shopper.client.get(f"/api/v1/orders/{order_id}/").json()
    assert detail["totals"]["total_paise"] == 71000


@pytest.mark.django_db
def test_the_same_key_and_body_gives_the_same_answer_and_one_order(shopper: Shopper) -> None:
    _fill(shopper)
    first = _checkout(shopper.client, address_id=str(shopper.address.id))
    again = _checkout(shopper.client, address_id=str(shopper.address.id))

    assert again.status_code == 202
    assert again.json() == first.json()
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(shopper: Shopper) -> None:
    _fill(shopper)
    _checkout(shopper.client, address_id=str(shopper.address.id))
    response = _checkout(shopper.client, address_id=str(shopper.address.id), payment_method="razorpay")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "body", "status", "code"),
    [
        (None, {}, 400, "idempotency_key_required"),
        ("k", {"payment_method": "upi-later"}, 400, "validation_error"),
        ("k", {"address_id": "not-a-uuid"}, 400, "validation_error"),
        ("k", {"address_id": str(uuid.uuid4())}, 400, "unknown_address"),
    ],
)
def test_bad_checkouts_are_refused_and_write_nothing(shopper: Shopper, key, body, status, code) -> None:
    _fill(shopper)
    response = _checkout(shopper.client, key=key, **{"address_id": str(shopper.address.id), **body})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Checkout.objects.count() == 0
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 0
    assert len(shopper.client.get("/api/v1/cart/").json()["lines"]) == 2


@pytest.mark.django_db
def test_an_idempotency_key_too_long_says_so(shopper: Shopper) -> None:
    _fill(shopper)
    response = _checkout(shopper.client, key="k" * 500, address_id=str(shopper.address.id))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"Idempotency-Key": ["At most 100 characters, not 500."]}


def test_the_schema_tells_clients_the_idempotency_keys_limits(client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    [header] = [p for p in schema["paths"]["/api/v1/checkout/"]["post"]["parameters"] if p["in"] == "header"]
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 100)


@pytest.mark.django_db
def test_an_empty_cart_or_an_unorderable_one_cannot_check_out(shopper: Shopper) -> None:
    _open_slot(slot_id=SLOT)
    assert _checkout(shopper.client, address_id=str(shopper.address.id)).json()["error"]["code"] == "empty_cart"
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 1}, format="json")  # under the minimum
    unplaced = _checkout(shopper.client, key="k2", address_id=str(shopper.address.id))
    assert (unplaced.status_code, unplaced.json()["error"]["message"]) == (
        409,
        "This address is in 560038: set your cart's pincode to 560038 first.",  # its prices and fees are that store's
    )
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    response = _checkout(shopper.client, key="k2", address_id=str(shopper.address.id))
    assert response.status_code == 409
    assert "minimum order" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_checkout_requires_login() -> None:
    assert _checkout(APIClient(), address_id=str(uuid.uuid4())).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_key_make_one_order() -> None:
    from tests.accounts.factories import AddressFactory, UserFactory

    publish_world()
    user = UserFactory()
    address = AddressFactory(user=user, pincode="560038")
    token = Token.objects.create(user=user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    _fill(Shopper(user=user, client=client, address=address))

    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            r = _checkout(c, key="same-key", address_id=str(address.id))
            answers.append((r.status_code, r.json().get("order_id", r.json().get("error", {}).get("code"))))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert len(answers) == 4
    assert {code for code, _ in answers} == {202}
    assert len({order_id for _, order_id in answers}) == 1
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 1
    assert Cart.objects.get(customer_id=user.id).lines.count() == 0


def _late_night_policy():
    from datetime import time

    from .conftest import POLICY

    return POLICY.model_copy(
        update={"late_night_start": time(23, 0), "late_night_end": time(6, 0), "late_night_fee_paise": 2500,
                "express_fee_paise": 3000}
    )  # fmt: skip


@pytest.mark.django_db
def test_a_slot_of_another_area_is_refused_and_the_cart_is_left_as_it_was(shopper: Shopper) -> None:
    _fill(shopper)
    elsewhere = _open_slot(zone_id=OTHER_ZONE)

    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(elsewhere))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "slot_not_for_address"
    assert "choose a slot for 560038" in error["message"]
    assert published == []
    assert not Checkout.objects.exists()  # the key is free for the corrected checkout
    cart = shopper.client.get("/api/v1/cart/").json()
    assert (cart["pincode"], len(cart["lines"])) == ("560038", 2)


@pytest.mark.django_db
def test_a_slot_closed_for_orders_is_refused(shopper: Shopper) -> None:
    from django.utils import timezone

    _fill(shopper)
    soon = timezone.localtime() + __import__("datetime").timedelta(minutes=20)
    closed = _open_slot(starts=soon.isoformat(), cutoff=timezone.now())

    response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(closed))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "slot_closed"
    assert len(shopper.client.get("/api/v1/cart/").json()["lines"]) == 2


@pytest.mark.django_db
def test_a_slot_closed_for_orders_is_told_in_12_hour_time_as_the_slots_read(shopper: Shopper) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    _fill(shopper)
    cutoff = datetime(2025, 3, 4, 15, 50, tzinfo=ZoneInfo("Asia/Kolkata"))  # in the past
    closed = _open_slot(starts=(cutoff + timedelta(minutes=10)).isoformat(), cutoff=cutoff)

    response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(closed))

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message == "Orders for this slot closed at 3:50 pm on 4 Mar: choose a later slot."


@pytest.mark.django_db
def test_the_late_night_fee_follows_the_slot_not_the_hour_of_ordering(shopper: Shopper) -> None:
    from datetime import datetime
    from unittest.mock import patch
    from zoneinfo import ZoneInfo

    publish_world(policy=_late_night_policy())
    _fill(shopper)
    morning = _open_slot(starts="2027-06-01T08:00:00+05:30")
    night = _open_slot(starts="2027-06-01T23:30:00+05:30")
    two_am = datetime(2027, 6, 1, 2, 13, tzinfo=ZoneInfo("Asia/Kolkata"))

    with patch("django.utils.timezone.now", return_value=two_am):
        cart = shopper.client.get("/api/v1/cart/").json()
        assert (cart["late_night_fee_paise"], cart["priced_for_slot_id"]) == (0, None)  # no slot chosen yet
        for_night = shopper.client.get(f"/api/v1/cart/?slot_id={night}").json()
        assert (for_night["late_night_fee_paise"], for_night["total_paise"]) == (2500, 71000 + 2500)
        with captured_events() as published:
            response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(morning))
    assert response.status_code == 202, response.json()
    [submitted] = published
    assert (submitted.late_night_fee_paise, submitted.total_paise) == (0, 71000)


@pytest.mark.django_db
def test_an_express_slot_costs_the_express_fee_through_to_the_order_and_its_invoice_lines(shopper: Shopper) -> None:
    publish_world(policy=_late_night_policy())
    _fill(shopper)
    express = _open_slot(mode="express", starts="2027-06-01T10:00:00+05:30")

    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(express))

    assert response.status_code == 202, response.json()
    [submitted] = published
    assert (submitted.express_fee_paise, submitted.total_paise) == (3000, 71000 + 3000)
    deliver_pending()
    order = Order.objects.get(pk=response.json()["order_id"])
    assert (order.express_fee_paise, order.total_paise) == (3000, 74000)
    totals = shopper.client.get(f"/api/v1/orders/{order.id}/").json()["totals"]
    assert totals["express_fee_paise"] == 3000


@pytest.mark.django_db
def test_a_slot_the_cart_never_heard_of_is_refused_and_the_cart_kept(shopper: Shopper) -> None:
    """Every open slot reaches the cart (SlotOpened, announce_delivery_slots, backfill): an
    unknown one is no slot to choose, not an order to place and cancel a moment later."""
    _fill(shopper)

    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(uuid.uuid4()))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "slot_unknown"
    assert "choose a slot from the list" in response.json()["error"]["message"]
    assert published == []
    assert not Checkout.objects.exists()
    assert len(shopper.client.get("/api/v1/cart/").json()["lines"]) == 2


@pytest.mark.django_db
def test_pricing_for_a_slot_of_another_area_or_an_unknown_slot_is_a_400(shopper: Shopper) -> None:
    _fill(shopper)
    elsewhere = _open_slot(zone_id=OTHER_ZONE, mode="express")

    other_area = shopper.client.get(f"/api/v1/cart/?slot_id={elsewhere}")
    unknown = shopper.client.get(f"/api/v1/cart/?slot_id={uuid.uuid4()}")

    assert (other_area.status_code, other_area.json()["error"]["code"]) == (400, "slot_not_for_address")
    assert "choose a slot for 560038" in other_area.json()["error"]["message"]
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "slot_unknown")
    assert shopper.client.get(f"/api/v1/cart/?slot_id={SLOT}").json()["priced_for_slot_id"] == str(SLOT)


@pytest.mark.django_db
@pytest.mark.parametrize("slot_of", ["the address's area", "the cart's area"])
def test_an_address_outside_the_carts_pincode_is_refused_and_nothing_changes(shopper: Shopper, slot_of) -> None:
    """The cart is priced at 560038's store; the address is in 560034, served by another
    store. Checking out there would re-price the cart at that store unseen: refused."""
    from django.db import transaction

    from delivery.events import ZoneConfigured
    from shop.eventbus import publish
    from tests.accounts.factories import AddressFactory

    from .conftest import POLICY

    with transaction.atomic():
        publish(
            ZoneConfigured(zone_id=OTHER_ZONE, code="BLR-KOR", title="Koramangala", store_id=OTHER_STORE,
                           pincodes=("560034",), is_active=True, fee_policy=POLICY),
            key=OTHER_ZONE,
        )  # fmt: skip
    deliver_pending()
    _fill(shopper)
    slot = _open_slot(zone_id=OTHER_ZONE) if slot_of == "the address's area" else SLOT
    koramangala = AddressFactory(user=shopper.user, pincode="560034")

    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(koramangala.id), slot_id=str(slot))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "address_not_in_cart_pincode"
    assert error["message"] == "This address is in 560034, your cart is priced for 560038: change the pincode first."
    assert published == []
    assert not Checkout.objects.exists()
    cart = Cart.objects.get(customer_id=shopper.user.id)
    assert (cart.pincode, cart.store_id, cart.lines.count()) == ("560038", STORE, 2)


@pytest.mark.django_db
def test_pricing_for_a_malformed_slot_id_is_a_400(shopper: Shopper) -> None:
    response = shopper.client.get("/api/v1/cart/?slot_id=tomorrow")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"slot_id": ["Must be a UUID."]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address_phone", "account_phone", "rider_calls"),
    [("+919812345678", "+919800000001", "+919812345678"), ("", "+919800000001", "+919800000001"), ("", "", None)],
)
def test_the_rider_has_a_number_to_call_or_the_checkout_is_refused(
    shopper: Shopper, address_phone: str, account_phone: str, rider_calls: str | None
) -> None:
    """The order carries the address's phone, else the account's; with neither, nobody could
    be called at the door: refused (400) before anything is written, the cart kept."""
    _fill(shopper)
    shopper.address.phone = address_phone
    shopper.address.save()
    shopper.user.phone = account_phone
    shopper.user.save()

    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id), slot_id=str(SLOT))

    if rider_calls is None:
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert error["code"] == "phone_required"
        assert error["message"] == "Add a phone number to this address: the rider calls it when they arrive."
        assert error["fields"] == {"address_id": ["This address has no phone number, and neither has your account."]}
        assert published == []
        assert not Checkout.objects.exists()
        assert len(shopper.client.get("/api/v1/cart/").json()["lines"]) == 2
    else:
        assert response.status_code == 202, response.json()
        submitted = [event for event in published if isinstance(event, CheckoutSubmitted)]
        assert [event.address.phone for event in submitted] == [rider_calls]


@pytest.mark.django_db
def test_checking_out_right_after_login_merges_the_visitors_cart_and_asks_to_look_first(world: None) -> None:
    """A visitor fills a cart, logs in and checks out at once, never reading the cart: the
    visitor's lines join the customer's cart and checkout answers 409, placing nothing, so
    the customer sees what they would pay for; the next checkout places the merged cart."""
    from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

    user = UserFactory(email="ravi@example.in")
    address = AddressFactory(user=user, pincode="560038")
    client = APIClient()  # a browser: session cookie, no token
    _fill(Shopper(user=user, client=client, address=address))
    assert (
        client.post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json").status_code
        == 200
    )

    first = _checkout(client, key="right-after-login", address_id=str(address.id))
    assert (first.status_code, first.json()["error"]["code"]) == (409, "cart_merged")
    assert not Order.objects.exists()
    assert not Checkout.objects.exists()
    lines = client.get("/api/v1/cart/").json()["lines"]
    assert sorted((line["name"], line["quantity"]) for line in lines) == [("Cow Ghee 1 L", 1), ("Toned Milk 500 ml", 2)]

    again = _checkout(client, key="right-after-login", address_id=str(address.id))
    assert again.status_code == 202
    assert Cart.objects.get().customer_id == user.id  # one cart: the visitor's merged away


@pytest.mark.django_db
def test_a_visitors_cart_idle_for_a_month_is_purged_and_a_customers_kept(world: None) -> None:
    from django.utils import timezone

    from cart.models import CartLine
    from cart.services.carts import purge_visitor_carts
    from tests.accounts.factories import UserFactory

    idle, busy, customer = APIClient(), APIClient(), UserFactory()
    for client in (idle, busy):
        client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 1}, format="json")
    Cart.objects.create(customer_id=customer.id)
    long_ago = timezone.now() - timedelta(days=31)
    Cart.objects.update(updated_at=long_ago)  # every cart, the customer's too
    CartLine.objects.update(added_at=long_ago)
    busy_cart = Cart.objects.get(session_key=busy.session.session_key)
    CartLine.objects.filter(cart=busy_cart).update(added_at=timezone.now())  # a line added lately

    assert purge_visitor_carts(idle_days=30) == 1

    assert set(Cart.objects.values_list("id", flat=True)) == {
        busy_cart.id,
        Cart.objects.get(customer_id=customer.id).id,
    }
    assert idle.get("/api/v1/cart/").json()["lines"] == []  # the visitor starts afresh
