"""The customer's order API: own orders only, details for paying, cancel."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders import services
from orders.services import PickedLineInput
from tests.accounts.factories import UserFactory

from .factories import hold_stock_and_slot, milk, place

pytestmark = pytest.mark.django_db


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_customer_sees_own_orders_and_payment_details() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id)
    place()  # someone else's
    hold_stock_and_slot(order)
    services.record_payment_requested(
        order_id=order.id,
        intent_id=uuid.uuid4(),
        razorpay_order_id="order_X",
        key_id="rzp_test_local",
        pay_url="/payments/pay/abc/",
    )
    client = _client_for(asha)

    listing = client.get("/api/v1/orders/").json()
    assert [o["id"] for o in listing["results"]] == [str(order.id)]
    detail = client.get(f"/api/v1/orders/{order.id}/").json()
    assert detail["status"] == "awaiting_payment"
    assert detail["payment"]["razorpay"] == {
        "key_id": "rzp_test_local",
        "order_id": "order_X",
        "amount": 11500,
        "currency": "INR",
        "pay_url": "http://testserver/payments/pay/abc/",
        "attempts_left": 3,
    }
    assert (detail["payment"]["failed_attempts"], detail["payment"]["last_error"]) == (0, "")
    assert detail["totals"]["total_paise"] == 11500
    assert [t["to_status"] for t in detail["timeline"]] == ["pending", "awaiting_payment"]
    assert len(detail["lines"]) == 2


def test_another_customers_order_is_404_for_read_and_cancel() -> None:
    order = place()
    client = _client_for(UserFactory())
    assert client.get(f"/api/v1/orders/{order.id}/").status_code == 404
    response = client.post(f"/api/v1/orders/{order.id}/cancel/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    order.refresh_from_db()
    assert order.status == "pending"


def test_staff_cancelling_a_customers_order_through_the_api_cancel_as_staff() -> None:
    asha, clerk = UserFactory(), UserFactory(is_staff=True, email="clerk@shop.example")
    order = place(customer_id=asha.id)
    own = place(customer_id=clerk.id)
    client = _client_for(clerk)

    cancelled = client.post(f"/api/v1/orders/{order.id}/cancel/").json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "staff_cancelled")
    assert cancelled["cancel_reason_label"] == "cancelled by the shop"
    # Their own order is a customer's cancel like anyone's.
    assert client.post(f"/api/v1/orders/{own.id}/cancel/").json()["cancel_reason"] == "customer_cancelled"


def test_cancel_before_packing_and_409_after() -> None:
    asha = UserFactory()
    client = _client_for(asha)
    open_order = place(customer_id=asha.id)
    assert client.post(f"/api/v1/orders/{open_order.id}/cancel/").json()["status"] == "cancelled"

    packed = place(customer_id=asha.id, payment_method="cod")
    services.record_stock_reserved(order_id=packed.id, reservation_id=uuid.uuid4())
    from django.utils import timezone

    services.record_slot_booked(
        order_id=packed.id, booking_id=uuid.uuid4(), starts_at=timezone.now(), ends_at=timezone.now()
    )
    services.record_packed(order_id=packed.id)
    response = client.post(f"/api/v1/orders/{packed.id}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "illegal_transition",
        "message": "An order that is packed cannot become cancelled.",
        "fields": {},
    }


def test_a_failed_attempt_tells_the_customer_why_and_how_many_tries_are_left() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id, payment_method="razorpay")
    hold_stock_and_slot(order)
    services.record_payment_requested(
        order_id=order.id, intent_id=uuid.uuid4(), razorpay_order_id="order_X", key_id="rzp_test_local"
    )
    services.record_payment_failed(
        order_id=order.id, reason="BAD_REQUEST_ERROR: x", message="Your bank declined the card.", failed_attempts=1
    )

    payment = _client_for(asha).get(f"/api/v1/orders/{order.id}/").json()["payment"]

    assert (payment["state"], payment["failed_attempts"], payment["last_error"]) == (
        "requested",
        1,
        "Your bank declined the card.",
    )
    assert payment["razorpay"]["attempts_left"] == 2  # still payable: Razorpay's order takes another try


def test_orders_need_authentication() -> None:
    assert APIClient().get("/api/v1/orders/").status_code == 401


def test_the_timeline_speaks_in_words_and_keeps_quiet_where_the_status_says_it_all() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id, payment_method="razorpay")
    hold_stock_and_slot(order)
    services.record_payment_requested(
        order_id=order.id, intent_id=uuid.uuid4(), razorpay_order_id="order_X", key_id="rzp_test_local"
    )
    services.record_payment_failed(
        order_id=order.id, reason="BAD_REQUEST_ERROR: Payment failed due to a bank error", failed_attempts=3
    )

    client = _client_for(asha)
    detail = client.get(f"/api/v1/orders/{order.id}/").json()

    assert [(t["to_status"], t["note"]) for t in detail["timeline"]] == [
        ("pending", ""),  # "placed"
        ("awaiting_payment", ""),  # "payment requested"
        ("cancelled", "the payment failed"),  # not the gateway's error text
    ]
    assert detail["timeline"][-1]["reason"] == ""  # the gateway's words are for staff
    as_staff = _client_for(UserFactory(is_staff=True)).get(f"/api/v1/orders/{order.id}/").json()
    assert as_staff["timeline"][-1]["reason"].startswith("payment_failed: BAD_REQUEST_ERROR")
    assert (detail["cancel_reason"], detail["cancel_reason_label"]) == ("payment_failed", "the payment failed")
    listing = client.get("/api/v1/orders/").json()["results"]
    assert listing[0]["cancel_reason_label"] == "the payment failed"


def test_delivery_attempts_are_noted_and_the_final_total_follows_picking() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id, payment_method="cod")
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    starts = timezone.now() + timedelta(hours=3)
    services.record_slot_booked(order_id=order.id, booking_id=uuid.uuid4(), starts_at=starts, ends_at=starts)
    services.record_shipment_created(order_id=order.id, shipment_id=uuid.uuid4(), tracking_code="TRK1")
    services.record_picked(
        order_id=order.id,
        lines=[  # one pack of milk short
            PickedLineInput(sku_id=line.sku_id, quantity_picked=1 if line.sku_id == milk().sku_id else line.quantity)
            for line in order.lines.all()
        ],
    )
    services.record_packed(order_id=order.id)
    services.record_out_for_delivery(order_id=order.id, attempt=1)
    services.record_delivery_failed(order_id=order.id, reason="customer_unavailable")
    services.record_out_for_delivery(order_id=order.id, attempt=2)

    client = _client_for(asha)
    detail = client.get(f"/api/v1/orders/{order.id}/").json()

    assert [(t["to_status"], t["note"]) for t in detail["timeline"]] == [
        ("pending", ""),
        ("confirmed", ""),
        ("picking", ""),
        ("packed", ""),
        ("out_for_delivery", ""),
        ("packed", "delivery attempt failed: customer unavailable"),
        ("out_for_delivery", "attempt 2"),
    ]
    listing = client.get("/api/v1/orders/").json()["results"]
    assert listing[0]["final_total_paise"] == detail["totals"]["final_total_paise"] < detail["totals"]["total_paise"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("order no longer payable: customer_cancelled", "you cancelled the order"),
        ("order no longer payable: staff_cancelled", "the shop cancelled the order"),
        ("order no longer payable: out_of_stock", "the order was cancelled: out of stock"),
        ("damaged in transit", "damaged in transit"),
    ],
)
def test_a_refunds_reason_reads_as_words_and_says_nothing_twice(written: str, read: str) -> None:
    from orders.api.serializers import refund_reason

    assert refund_reason(written) == read
