"""The payments API: an order's payment for its customer or staff; refunds for staff."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory

from .factories import PaymentIntentFactory
from .helpers import paid_intent, request

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_customer_sees_their_payment_with_checkout_options(fake):
    customer = UserFactory()
    intent = request(45_000, customer_id=customer.id)

    response = _client(customer).get(f"/api/v1/payments/orders/{intent.order_id}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount_paise"], body["razorpay_order_id"]) == (
        "created",
        45_000,
        intent.razorpay_order_id,
    )
    assert body["checkout"] == {
        "key": "rzp_test_suite",
        "amount": 45_000,
        "currency": "INR",
        "order_id": intent.razorpay_order_id,
        "name": "Grocery shop",
        "callback_url": f"http://testserver/payments/razorpay/callback/{intent.id}/",
        "pay_url": f"http://testserver/payments/pay/{intent.id}/",
    }
    assert body["refunds"] == []


def test_another_customer_gets_404_in_the_error_shape():
    intent = PaymentIntentFactory()

    response = _client(UserFactory()).get(f"/api/v1/payments/orders/{intent.order_id}/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No payment for this order.", "fields": {}}}


def test_anonymous_is_401():
    intent = PaymentIntentFactory()
    assert APIClient().get(f"/api/v1/payments/orders/{intent.order_id}/").status_code == 401


def test_staff_refund_201_then_the_same_key_returns_the_same_refund_with_200(fake):
    intent = paid_intent(fake)
    staff = _client(UserFactory(is_staff=True))
    payload = {"amount_paise": 5_000, "reason": "bruised mangoes", "idempotency_key": "api-refund-0001"}

    first = staff.post(f"/api/v1/payments/orders/{intent.order_id}/refunds/", payload, format="json")
    again = staff.post(f"/api/v1/payments/orders/{intent.order_id}/refunds/", payload, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["amount_paise"], first.json()["status"]) == (5_000, "pending")
    assert len(fake.ledger.refunds) == 1


def test_a_customer_cannot_refund(fake):
    customer = UserFactory()
    intent = paid_intent(fake)
    payload = {"amount_paise": 5_000, "reason": "x", "idempotency_key": "api-refund-0002"}

    response = _client(customer).post(f"/api/v1/payments/orders/{intent.order_id}/refunds/", payload, format="json")

    assert response.status_code == 403
    assert fake.ledger.refunds == {}


def test_refund_validation_errors_are_400_in_the_error_shape(fake):
    intent = paid_intent(fake)
    payload = {"amount_paise": 50, "reason": "x", "idempotency_key": "bad key"}

    response = _client(UserFactory(is_staff=True)).post(
        f"/api/v1/payments/orders/{intent.order_id}/refunds/", payload, format="json"
    )

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert sorted(body["fields"]) == ["amount_paise", "idempotency_key"]


def test_refunding_more_than_captured_is_409_with_a_reason(fake):
    intent = paid_intent(fake, 45_000)
    payload = {"amount_paise": 45_001, "reason": "x", "idempotency_key": "api-refund-0003"}

    response = _client(UserFactory(is_staff=True)).post(
        f"/api/v1/payments/orders/{intent.order_id}/refunds/", payload, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "refund_exceeds_captured",
        "message": "Only ₹450.00 is left to refund (₹450.00 captured, ₹0.00 refunded or on its way).",
        "fields": {},
    }
