"""Requesting a payment: our receipt first, then one Razorpay order, even after a timeout."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from payments import gateway, services
from payments.errors import PaymentRefused
from payments.events import PaymentRequested
from payments.models import PaymentIntent
from shop.eventbus.testing import captured_events

from .conftest import KEY_ID

pytestmark = pytest.mark.django_db


def test_request_creates_a_razorpay_order_and_publishes_payment_requested(fake):
    order_id = uuid.uuid4()

    with captured_events() as published:
        intent = services.request_payment(order_id=order_id, amount_paise=45_000, customer_email="a@example.com")

    assert intent.status == "created"
    assert intent.receipt == f"ord_{order_id.hex}"
    order = fake.ledger.orders[intent.razorpay_order_id]
    assert (order["amount"], order["currency"], order["receipt"]) == (45_000, "INR", intent.receipt)
    assert order["notes"] == {"order_id": str(order_id), "intent_id": str(intent.id)}
    assert published == [
        PaymentRequested(
            order_id=order_id,
            intent_id=intent.id,
            razorpay_order_id=intent.razorpay_order_id,
            key_id=KEY_ID,
            amount_paise=45_000,
            pay_url=f"/payments/pay/{intent.id}/",
        )
    ]
    assert [(t.from_status, t.to_status) for t in intent.transitions.all()] == [
        ("pending", "pending"),
        ("pending", "created"),
    ]


def test_requesting_again_returns_the_same_intent_and_order(fake):
    order_id = uuid.uuid4()
    first = services.request_payment(order_id=order_id, amount_paise=45_000)

    with captured_events() as published:
        again = services.request_payment(order_id=order_id, amount_paise=45_000)

    assert again.id == first.id
    assert again.razorpay_order_id == first.razorpay_order_id
    assert len(fake.ledger.orders) == 1
    assert published == []


def test_a_different_amount_for_the_same_order_is_refused(fake):
    order_id = uuid.uuid4()
    services.request_payment(order_id=order_id, amount_paise=45_000)

    with pytest.raises(PaymentRefused) as refused:
        services.request_payment(order_id=order_id, amount_paise=46_000)

    assert refused.value.code == "payment_mismatch"
    assert len(fake.ledger.orders) == 1


@pytest.mark.parametrize("amount", [99, 0, -5])
def test_less_than_one_rupee_is_refused_and_nothing_is_written(fake, amount):
    with captured_events() as published, pytest.raises(ValidationError):
        services.request_payment(order_id=uuid.uuid4(), amount_paise=amount)

    assert PaymentIntent.objects.count() == 0
    assert fake.ledger.orders == {}
    assert published == []


def test_a_timeout_on_order_creation_is_recovered_by_receipt_with_one_razorpay_order(fake, settings):
    settings.RAZORPAY_READ_TIMEOUT = 0.5
    fake.knobs.timeout_delay = 1.5
    fake.knobs.timeout_next_order_creates = 1  # stored at Razorpay, answer lost

    with captured_events() as published:
        intent = services.request_payment(order_id=uuid.uuid4(), amount_paise=45_000)

    assert list(fake.ledger.orders) == [intent.razorpay_order_id]
    assert intent.status == "created"
    assert [type(e) for e in published] == [PaymentRequested]


def test_a_retry_after_the_handler_rolled_back_adopts_the_razorpay_order_it_had_made(fake):
    """The intent is written in the handler's transaction and Razorpay's order made in it; if
    that transaction rolls back (a later step failed, the worker died before the commit), the
    retry writes a new intent for the order, whose receipt Razorpay already holds."""

    class LaterStepFailed(Exception):
        pass

    order_id = uuid.uuid4()
    with pytest.raises(LaterStepFailed), transaction.atomic():
        services.request_payment(order_id=order_id, amount_paise=45_000)
        raise LaterStepFailed
    assert not PaymentIntent.objects.exists()
    assert len(fake.ledger.orders) == 1  # made at Razorpay all the same

    with captured_events() as published:
        again = services.request_payment(order_id=order_id, amount_paise=45_000)

    assert again.status == "created"
    assert list(fake.ledger.orders) == [again.razorpay_order_id]  # adopted, not a second order
    assert [type(e) for e in published] == [PaymentRequested]


def test_razorpay_unreachable_leaves_the_intent_pending_then_a_retry_finds_or_creates_one_order(fake, settings):
    live_url = settings.RAZORPAY_BASE_URL
    settings.RAZORPAY_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    order_id = uuid.uuid4()

    with captured_events() as published, pytest.raises(gateway.Unknown):
        services.request_payment(order_id=order_id, amount_paise=45_000)

    intent = PaymentIntent.objects.get(order_id=order_id)
    assert intent.status == "pending"
    assert intent.last_error.startswith("Razorpay order: Unknown")
    assert published == []

    settings.RAZORPAY_BASE_URL = live_url
    again = services.request_payment(order_id=order_id, amount_paise=45_000)
    assert again.status == "created"
    assert list(fake.ledger.orders) == [again.razorpay_order_id]
    assert again.last_error == ""


def test_cash_on_delivery_needs_no_razorpay_order(fake):
    with captured_events() as published:
        intent = services.request_payment(order_id=uuid.uuid4(), amount_paise=30_000, method="cod")

    assert (intent.method, intent.status, intent.razorpay_order_id) == ("cod", "created", None)
    assert fake.ledger.orders == {}
    assert published == []


def test_a_cancelled_order_never_gets_a_razorpay_order(fake, settings):
    live_url = settings.RAZORPAY_BASE_URL
    settings.RAZORPAY_BASE_URL = "http://127.0.0.1:9"
    order_id = uuid.uuid4()
    with pytest.raises(gateway.Unknown):
        services.request_payment(order_id=order_id, amount_paise=45_000)
    services.cancel_payment(order_id=order_id, reason="stock reservation failed")
    settings.RAZORPAY_BASE_URL = live_url

    again = services.request_payment(order_id=order_id, amount_paise=45_000)
    PaymentIntent.objects.filter(id=again.id).update(updated_at=again.updated_at - timedelta(minutes=20))
    services.reconcile()

    again.refresh_from_db()
    assert (again.status, again.razorpay_order_id) == ("pending", None)
    assert fake.ledger.orders == {}
