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


def test_an_intent_abandoned_for_more_than_three_days_is_no_longer_asked_about(fake, monkeypatch):
    old, recent = request(45_000), request(30_000)
    PaymentIntent.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=4))
    _age(old, 16)
    _age(recent, 16)
    asked: list[str] = []
    real = gateway.order_payments
    monkeypatch.setattr(gateway, "order_payments", lambda order_id: asked.append(order_id) or real(order_id))

    services.reconcile()

    assert asked == [recent.razorpay_order_id]


def test_the_least_recently_asked_intents_come_first(fake, monkeypatch):
    import importlib

    monkeypatch.setattr(importlib.import_module("payments.services.reconcile"), "BATCH", 1)
    asked_before, never_asked = request(45_000), request(30_000)
    _age(asked_before, 16)
    _age(never_asked, 16)
    PaymentIntent.objects.filter(id=asked_before.id).update(reconciled_at=timezone.now() - timedelta(minutes=20))
    asked: list[str] = []
    monkeypatch.setattr(gateway, "order_payments", lambda order_id: asked.append(order_id) or [])

    services.reconcile()

    assert asked == [never_asked.razorpay_order_id]
