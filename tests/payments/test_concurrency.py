"""Parallel callers on real PostgreSQL connections: one Razorpay order, one refund, one inbox row."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from payments import services
from payments.models import PaymentIntent, Refund, WebhookEvent
from shop.eventbus.models import Event as EventRecord

from .helpers import paid_intent

pytestmark = pytest.mark.django_db(transaction=True)


def _in_parallel(n: int, fn: Callable[[], Any]) -> list[Any]:
    """Run fn in n threads released together; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_requests_for_one_order_make_one_razorpay_order(fake):
    order_id = uuid.uuid4()

    results = _in_parallel(4, lambda: services.request_payment(order_id=order_id, amount_paise=45_000).id)

    assert len(set(results)) == 1
    assert PaymentIntent.objects.count() == 1
    assert len(fake.ledger.orders) == 1
    assert EventRecord.objects.filter(name="payments.payment_requested.v1").count() == 1


def test_parallel_refunds_with_one_key_make_one_refund(fake):
    intent = paid_intent(fake)

    def refund() -> uuid.UUID:
        return services.refund_payment(
            order_id=intent.order_id, amount_paise=5_000, idempotency_key="parallel-key-01", reason="r"
        ).id

    results = _in_parallel(4, refund)

    assert len(set(results)) == 1
    assert Refund.objects.count() == 1
    assert len(fake.ledger.refunds) == 1
    intent.refresh_from_db()
    assert intent.refunded_paise == 5_000


def test_parallel_refunds_with_different_keys_never_exceed_the_captured_amount(fake):
    intent = paid_intent(fake, 45_000)
    keys = iter([f"parallel-many-{i:02d}" for i in range(4)])
    lock = threading.Lock()

    def refund() -> Any:
        with lock:
            key = next(keys)
        return services.refund_payment(order_id=intent.order_id, amount_paise=20_000, idempotency_key=key, reason="r")

    results = _in_parallel(4, refund)

    assert sum(isinstance(r, Refund) for r in results) == 2
    assert Refund.objects.count() == 2
    assert sum(r["amount"] for r in fake.ledger.refunds.values()) == 40_000


def test_the_same_webhook_delivered_in_parallel_is_stored_once(fake):
    order = fake.ledger.create_order({"amount": 1000, "receipt": "parallel-webhook"})[0]
    fake.pay(order["id"])
    item = fake.ledger.take_outbox()[0]

    results = _in_parallel(
        4, lambda: services.record_webhook(body=item.body, signature=item.signature, event_id=item.event_id)[1]
    )

    assert sorted(results) == [False, False, False, True]
    assert WebhookEvent.objects.count() == 1


def test_a_webhook_for_a_locked_intent_is_left_to_the_worker_instead_of_waiting(fake, monkeypatch):
    """Razorpay wants its answer within 5 s: a webhook does not queue behind a long lock."""
    from django.db import transaction

    from payments.services import webhooks

    monkeypatch.setattr(webhooks, "APPLY_LOCK_TIMEOUT", "100ms")
    intent = services.request_payment(order_id=uuid.uuid4(), amount_paise=1000)
    fake.pay(intent.razorpay_order_id)
    captured = next(item for item in fake.ledger.take_outbox() if b'"payment.captured"' in item.body)
    locked, release = threading.Event(), threading.Event()

    def hold_the_intent() -> None:
        try:
            with transaction.atomic():
                PaymentIntent.objects.select_for_update().get(pk=intent.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_intent)
    holder.start()
    try:
        assert locked.wait(10)
        stored, new = services.record_webhook(
            body=captured.body, signature=captured.signature, event_id=captured.event_id
        )
        still_held = not release.is_set()
    finally:
        release.set()
        holder.join()

    assert (new, stored.status, still_held) == (True, "received", True)
    intent.refresh_from_db()
    assert intent.status == "created"  # the worker applies it: process_webhook
    services.process_webhook(webhook_id=stored.id)
    intent.refresh_from_db()
    assert intent.status == "captured"
