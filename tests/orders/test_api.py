"""The customer's order API: own orders only, details for paying, cancel."""

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders import services
from tests.accounts.factories import UserFactory

from .factories import place

pytestmark = pytest.mark.django_db


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_customer_sees_own_orders_and_payment_details() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id)
    place()  # someone else's
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
    }
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


def test_orders_need_authentication() -> None:
    assert APIClient().get("/api/v1/orders/").status_code == 401
