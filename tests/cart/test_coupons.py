"""Coupons in the cart: applied by code, priced with the cart, checked again at checkout,
counted against their limits, and given back when the order is cancelled."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cart.events import CheckoutSubmitted
from cart.models import Coupon, CouponRedemption
from orders.events import OrderCancelled
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending
from tests.accounts.factories import AddressFactory, UserFactory

from .conftest import GHEE, MILK, STORE, Shopper
from .test_checkout import _checkout, _fill

pytestmark = pytest.mark.django_db

# _fill: 2 milk at 30.00 (5 % GST) and 1 ghee at 650.00 (12 % GST): 710.00; delivery free from 500.00.


def coupon(code: str = "SAVE10", **fields) -> Coupon:
    now = timezone.now()
    values = {
        "kind": "percent", "percent_bp": 1000, "valid_from": now - timedelta(days=1),
        "valid_until": now + timedelta(days=30), "description": "10 % off",
    }  # fmt: skip
    return Coupon.objects.create(code=code, **{**values, **fields})


def _apply(shopper: Shopper, code: str):  # type: ignore[no-untyped-def]
    return shopper.client.patch("/api/v1/cart/", {"coupon_code": code}, format="json")


def _submitted(shopper: Shopper) -> CheckoutSubmitted:
    with captured_events() as published:
        response = _checkout(shopper.client, key=uuid.uuid4().hex, address_id=str(shopper.address.id))
    assert response.status_code == 202, response.json()
    (event,) = [e for e in published if isinstance(e, CheckoutSubmitted)]
    return event


def test_a_percentage_off_is_shared_over_the_lines_and_capped(shopper: Shopper) -> None:
    coupon(max_discount_paise=5000)  # 10 % of 710.00 is 71.00: capped at 50.00
    _fill(shopper)

    cart = _apply(shopper, " save10 ").json()  # any case, spaces trimmed

    assert (cart["coupon_code"], cart["coupon"]["code"], cart["discount_paise"]) == ("SAVE10", "SAVE10", 5000)
    assert cart["subtotal_paise"] == 71000
    assert cart["total_paise"] == 71000 - 5000 + cart["delivery_fee_paise"]
    shares = {line["sku_id"]: line["discount_paise"] for line in cart["lines"]}
    assert sum(shares.values()) == 5000
    assert (shares[str(MILK)], shares[str(GHEE)]) == (423, 4577)  # in proportion to 60.00 and 650.00
    # GST is what is included in what the customer pays for each line, net of its share.
    milk_tax = round((6000 - 423) * 500 / 10500)
    ghee_tax = round((65000 - 4577) * 1200 / 11200)
    assert cart["tax_included_paise"] == milk_tax + ghee_tax

    event = _submitted(shopper)
    assert (event.coupon_code, event.discount_paise, event.total_paise) == ("SAVE10", 5000, cart["total_paise"])
    assert {line.sku_id: line.discount_paise for line in event.lines} == {MILK: 423, GHEE: 4577}
    assert CouponRedemption.objects.get(order_id=event.order_id).discount_paise == 5000
    assert shopper.client.get("/api/v1/cart/").json()["coupon_code"] == ""  # used: the next cart starts without


def test_a_flat_amount_off_and_free_delivery(shopper: Shopper) -> None:
    coupon("FLAT100", kind="flat", percent_bp=0, amount_paise=10000)
    coupon("FREESHIP", kind="free_delivery", percent_bp=0)
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 4}, format="json")  # 120.00

    flat = _apply(shopper, "FLAT100").json()
    assert (flat["discount_paise"], flat["delivery_fee_paise"]) == (10000, 3000)
    assert flat["total_paise"] == 12000 - 10000 + 3000

    free = _apply(shopper, "FREESHIP").json()  # one coupon at a time: the new one replaces the old
    assert (free["discount_paise"], free["delivery_fee_paise"]) == (0, 0)
    assert free["coupon"]["delivery_fee_waived_paise"] == 3000
    assert free["total_paise"] == 12000

    removed = _apply(shopper, "").json()
    assert (removed["coupon_code"], removed["coupon"], removed["delivery_fee_paise"]) == ("", None, 3000)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"code": "OTHER"}, "Coupon SAVE10 is not a valid code."),
        ({"is_active": False}, "Coupon SAVE10 is not a valid code."),
        ({"valid_until": timezone.now() - timedelta(hours=1)}, "Coupon SAVE10 expired on"),
        ({"valid_from": timezone.now() + timedelta(days=2)}, "Coupon SAVE10 can be used from"),
        ({"total_limit": 1, "_used": True}, "Coupon SAVE10 has been used up."),
    ],
)
def test_a_coupon_that_cannot_be_used_is_refused_with_the_reason(shopper: Shopper, fields, says) -> None:
    used = fields.pop("_used", False)
    if "valid_from" in fields:
        fields["valid_until"] = fields["valid_from"] + timedelta(days=1)
    made = coupon(**{"code": "SAVE10", **fields})
    if used:
        CouponRedemption.objects.create(coupon=made, customer_id=uuid.uuid4(), order_id=uuid.uuid4(), discount_paise=1)
    _fill(shopper)

    response = _apply(shopper, "SAVE10")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "coupon_not_applicable"
    assert says in error["message"], error
    assert error["fields"]["coupon_code"]
    assert shopper.client.get("/api/v1/cart/").json()["coupon_code"] == ""  # nothing kept


def test_a_coupon_for_bigger_carts_is_kept_and_says_how_much_more(shopper: Shopper) -> None:
    coupon("BIG", min_subtotal_paise=100000)  # 1,000.00 or more
    _fill(shopper)  # 710.00

    cart = _apply(shopper, "BIG").json()

    assert (cart["coupon_code"], cart["coupon"], cart["discount_paise"], cart["can_check_out"]) == (
        "BIG",
        None,
        0,
        False,
    )
    assert "Add ₹290.00 more to use coupon BIG (for orders of ₹1,000.00 or more)." in cart["problems"]
    refused = _checkout(shopper.client, key="k-big", address_id=str(shopper.address.id))
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "cart_not_orderable")
    assert not CouponRedemption.objects.exists()

    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(GHEE), "quantity": 1}, format="json")  # 1,360.00
    grown = shopper.client.get("/api/v1/cart/").json()
    assert (grown["coupon"]["code"], grown["discount_paise"]) == ("BIG", 13600)


def test_once_per_customer_until_the_order_is_cancelled(shopper: Shopper) -> None:
    coupon(per_customer_limit=1)
    _fill(shopper)
    _apply(shopper, "SAVE10")
    first = _submitted(shopper)

    # The next basket (no events delivered meanwhile: the order stands).
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(GHEE), "quantity": 1}, format="json")
    again = _apply(shopper, "SAVE10")
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "You have already used coupon SAVE10 (once per customer)."

    with transaction.atomic():
        publish(
            OrderCancelled(
                order_id=first.order_id, customer_id=first.customer_id, store_id=STORE,
                reason="customer_cancelled", from_status="pending", payment_method="cod",
            ),
            key=first.order_id,
        )  # fmt: skip
    deliver_pending()

    assert CouponRedemption.objects.get(order_id=first.order_id).released_at is not None
    assert _apply(shopper, "SAVE10").json()["coupon"]["code"] == "SAVE10"


def test_a_used_up_coupon_holds_the_cart_back_with_the_reason(shopper: Shopper) -> None:
    made = coupon(total_limit=1)
    _fill(shopper)
    assert _apply(shopper, "SAVE10").status_code == 200
    CouponRedemption.objects.create(coupon=made, customer_id=uuid.uuid4(), order_id=uuid.uuid4(), discount_paise=1)

    cart = shopper.client.get("/api/v1/cart/").json()
    refused = _checkout(shopper.client, key="k-late", address_id=str(shopper.address.id))

    assert (cart["coupon"], cart["can_check_out"]) == (None, False)
    assert "Coupon SAVE10 has been used up." in cart["problems"]
    assert refused.status_code == 409
    assert "Coupon SAVE10 has been used up." in refused.json()["error"]["message"]
    assert shopper.client.get("/api/v1/cart/").json()["lines"]  # the refused cart is kept


@pytest.mark.django_db(transaction=True)
def test_the_last_use_goes_to_one_of_two_checkouts_at_once() -> None:
    """Both carts priced it as usable; the coupon's row lock lets one checkout count it, and
    the other, counting after the first commits, is refused."""
    import threading

    from django.db import connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from .conftest import publish_world

    publish_world()
    coupon(total_limit=1)
    tokens = []
    for _ in range(2):
        user = UserFactory()
        address = AddressFactory(user=user, pincode="560038")
        client = APIClient()
        tokens.append((Token.objects.create(user=user).key, address))
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[-1][0]}")
        _fill(Shopper(user=user, client=client, address=address))
        assert _apply(Shopper(user=user, client=client, address=address), "SAVE10").status_code == 200
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(2)

    def submit(token: str, address_id: str) -> None:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            r = _checkout(c, key=uuid.uuid4().hex, address_id=address_id)
            answers.append((r.status_code, r.json().get("error", {}).get("message", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(token, str(address.id))) for token, address in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    # Refused at its pricing or, when both priced it first, under the coupon's lock.
    (won, lost) = sorted(answers)
    assert won == (202, "")
    assert lost[0] == 409
    assert "Coupon SAVE10 has been used up." in lost[1]
    assert CouponRedemption.objects.count() == 1


def test_staff_make_a_coupon_in_rupees_and_see_its_uses(admin_client) -> None:  # type: ignore[no-untyped-def]
    now = timezone.localtime()
    form = {
        "code": " monsoon-50 ", "description": "₹50 off", "kind": "flat", "percent": "", "amount_paise": "50.00",
        "max_discount_paise": "", "min_subtotal_paise": "499", "valid_from_0": now.strftime("%Y-%m-%d"),
        "valid_from_1": "00:00:00", "valid_until_0": (now + timedelta(days=7)).strftime("%Y-%m-%d"),
        "valid_until_1": "00:00:00", "per_customer_limit": "1", "total_limit": "100", "is_active": "on",
        "redemptions-TOTAL_FORMS": "0", "redemptions-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post("/admin/cart/coupon/add/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    made = Coupon.objects.get()
    assert (made.code, made.amount_paise, made.min_subtotal_paise) == ("MONSOON-50", 5000, 49900)
    listing = admin_client.get("/admin/cart/coupon/").content.decode()
    assert "MONSOON-50" in listing
    assert "0 of 100" in listing

    refused = admin_client.post("/admin/cart/coupon/add/", {**form, "code": "PCT", "kind": "percent"})
    assert refused.status_code == 200
    assert "A percentage coupon needs its percentage, e.g. 10." in refused.content.decode()

    # A percentage as staff say it (12.5 %), no amount typed; free delivery needs neither.
    percent = {
        **form,
        "code": "PCT",
        "kind": "percent",
        "percent": "12.5",
        "amount_paise": "",
        "max_discount_paise": "100",
    }
    free = {**form, "code": "FREE", "kind": "free_delivery", "amount_paise": ""}
    assert admin_client.post("/admin/cart/coupon/add/", percent).status_code == 302
    assert admin_client.post("/admin/cart/coupon/add/", free).status_code == 302
    made = {c.code: (c.kind, c.percent_bp, c.amount_paise, c.max_discount_paise) for c in Coupon.objects.all()}
    assert made["PCT"] == ("percent", 1250, 0, 10_000)
    assert made["FREE"] == ("free_delivery", 0, 0, None)
    edit = admin_client.get(f"/admin/cart/coupon/{Coupon.objects.get(code='PCT').pk}/change/").content.decode()
    assert 'name="percent" value="12.5' in edit
    assert "12.5 %" in admin_client.get("/admin/cart/coupon/").content.decode()


def test_the_demo_seed_makes_one_coupon_of_each_kind_once() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo_cart", stdout=StringIO())
    Coupon.objects.filter(code="FLAT50").update(amount_paise=7500)  # staff changed it
    out = StringIO()
    call_command("seed_demo_cart", stdout=out)

    assert sorted(Coupon.objects.values_list("code", "kind")) == [
        ("FLAT50", "flat"),
        ("FREEDEL", "free_delivery"),
        ("WELCOME10", "percent"),
    ]
    assert Coupon.objects.get(code="FLAT50").amount_paise == 7500
    assert "coupon FLAT50: ₹50 off orders of ₹499 or more (kept as it was)" in out.getvalue()
    call_command("seed_demo_cart", "--if-empty", stdout=out)
    assert Coupon.objects.count() == 3
