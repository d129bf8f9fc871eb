"""The reconciler: stuck intents fetched from Razorpay, unprocessed webhooks applied."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import gateway, services
from payments.events import PaymentCaptured
from payments.models import PaymentIntent, WebhookEvent
from shop.eventbus.testing import captured_events

from .helpers import request

pytestmark = pytest.mark.django_db


def _age(intent: PaymentIntent, minutes: int) -> None:
    PaymentIntent.objects.filter(id=intent.id).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def test_a_paid_intent_whose_webhooks_were_lost_is_captured_after_15_minutes(fake):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)
    fake.ledger.take_outbox()  # lost

    assert services.reconcile()["intents"] == 0  # not stuck yet
    _age(intent, 16)
    with captured_events() as published:
        counts = services.reconcile()

    intent.refresh_from_db()
    assert counts["intents"] == 1
    assert intent.status == "captured"
    assert intent.reconciled_at is not None
    assert [type(e) for e in published] == [PaymentCaptured]


def test_an_unpaid_stuck_intent_is_left_created(fake):
    intent = request(45_000)
    _age(intent, 16)

    services.reconcile()

    intent.refresh_from_db()
    assert intent.status == "created"
    assert intent.reconciled_at is not None


def test_a_pending_intent_gets_its_order_by_receipt(fake, settings):
    live_url = settings.RAZORPAY_BASE_URL
    settings.RAZORPAY_BASE_URL = "http://127.0.0.1:9"
    with pytest.raises(gateway.Unknown):
        request(45_000)
    settings.RAZORPAY_BASE_URL = live_url
    intent = PaymentIntent.objects.get()
    _age(intent, 16)

    counts = services.reconcile()

    intent.refresh_from_db()
    assert counts["orders"] == 1
    assert intent.status == "created"
    assert list(fake.ledger.orders) == [intent.razorpay_order_id]


def test_a_stored_webhook_that_failed_to_process_is_applied_later(fake, monkeypatch):
    intent = request(45_000)
    fake.pay(intent.razorpay_order_id)

    def broken(**kwargs):
        raise RuntimeError("worker crashed")

    monkeypatch.setattr("payments.services.webhooks.apply_payment", broken)
    sent = fake.deliver_webhooks()
    assert [status for _, status in sent] == [200, 200, 200]  # stored, answered at once
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"failed"}
    monkeypatch.undo()
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=2))

    counts = services.reconcile()

    intent.refresh_from_db()
    assert counts["webhooks"] == 3
    assert intent.status == "captured"
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_the_reconciler_is_on_the_beat_schedule():
    from shop.celery import app

    entry = app.conf.beat_schedule["payments-reconcile"]
    assert entry["task"] == "payments.reconcile_task"
    assert entry["task"] in app.tasks
