"""Cash on delivery: settled when delivery reports the cash collected."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from delivery.events import ShipmentDelivered
from payments.events import CashCollected
from payments.models import PaymentIntent
from shop.eventbus import publish
from shop.eventbus.models import DeadLetter
from shop.eventbus.testing import captured_events, deliver_pending

from .factories import CodIntentFactory, PaymentIntentFactory

pytestmark = pytest.mark.django_db

DELIVERED_AT = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)


def _delivered(order_id: uuid.UUID, cash: int) -> None:
    event = ShipmentDelivered(
        shipment_id=uuid.uuid4(),
        order_id=order_id,
        store_id=uuid.uuid4(),
        delivered_at=DELIVERED_AT,
        cash_collected_paise=cash,
    )
    with transaction.atomic():
        publish(event, key=order_id)


def test_cash_collected_settles_the_cod_intent_once():
    intent = CodIntentFactory(amount_paise=30_000)

    with captured_events() as published:
        _delivered(intent.order_id, 30_000)
        deliver_pending()
        _delivered(intent.order_id, 30_000)  # delivery reports twice
        deliver_pending()

    intent.refresh_from_db()
    assert (intent.status, intent.captured_paise) == ("captured", 30_000)
    cash = [e for e in published if isinstance(e, CashCollected)]
    assert cash == [
        CashCollected(
            order_id=intent.order_id,
            intent_id=intent.id,
            amount_paise=30_000,
            expected_paise=30_000,
            collected_at=DELIVERED_AT,
        )
    ]


def test_a_prepaid_delivery_with_no_cash_changes_nothing():
    intent = PaymentIntentFactory(status="captured", captured_paise=45_000)

    _delivered(intent.order_id, 0)
    deliver_pending()

    intent.refresh_from_db()
    assert intent.status == "captured"
    assert intent.transitions.count() == 0


def test_more_cash_than_due_is_a_dead_letter_and_nothing_is_settled():
    intent = CodIntentFactory(amount_paise=30_000)

    _delivered(intent.order_id, 31_000)
    deliver_pending(ignore_backoff=True)

    intent.refresh_from_db()
    assert intent.status == "created"
    assert DeadLetter.objects.filter(subscriber="payments.settle_cash_on_delivery").count() == 1


def test_an_order_without_an_intent_is_ignored():
    _delivered(uuid.uuid4(), 5_000)
    deliver_pending()

    assert PaymentIntent.objects.count() == 0
