"""The webhook inbox: verify each Razorpay event, store it once, apply it in any order.

An event is applied as it is stored, in one transaction: what Razorpay says about a
payment or refund is a few local reads and writes under the intent's row lock. What can
be slow is left to a worker and stored RECEIVED for it: a call to Razorpay (capturing an
authorisation that is due, refunding money for an order no longer payable), and any event
whose application failed or waited too long for a lock. So Razorpay hears 200 within its
5 s whatever happens here, and a payment's three webhooks cost no worker run.
"""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

import structlog
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shop.db import create_or_get, one_or_none
from shop.eventbus import publish

from .. import conf, gateway
from ..events import WebhookAbandoned
from ..models import PaymentIntent, WebhookEvent
from .observe import apply_payment, follow_up, follow_up_due
from .refunds import apply_refund

log = structlog.get_logger("payments")

PAYMENT_EVENTS = {"payment.authorized", "payment.captured", "payment.failed", "order.paid"}
REFUND_EVENTS = {"refund.processed", "refund.failed"}
MAX_EVENT_ID = 64
#: Attempts to apply a stored webhook (the reconciler's, a minute apart) before staff are told.
MAX_WEBHOOK_ATTEMPTS = 10


class RefundNotVisibleYet(Exception):
    """A refund webhook names a refund of ours (its notes carry our refund id) that this
    transaction cannot see yet: the refund is asked for from inside an event handler's
    transaction, and Razorpay may settle and call back before that commits. Raised so the
    event is stored and applied again later (the worker, then the reconciler), not ignored."""


class InvalidWebhook(Exception):
    """Unsigned, forged, oversized or malformed: answered 400, nothing stored."""


def record_webhook(*, body: bytes, signature: str, event_id: str) -> tuple[WebhookEvent, bool]:
    """Verify the raw body's signature, store the event once and apply it (or leave it
    RECEIVED for a worker); returns (event, newly stored)."""
    if len(body) > conf.get("PAYMENTS_WEBHOOK_MAX_BYTES"):
        raise InvalidWebhook("body too large")
    if not gateway.webhook_signature_ok(body=body, signature=signature):
        raise InvalidWebhook("bad signature")
    if not event_id or len(event_id) > MAX_EVENT_ID or not event_id.isascii():
        raise InvalidWebhook("missing or malformed X-Razorpay-Event-Id")
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise InvalidWebhook("body is not JSON") from exc
    if (
        not isinstance(envelope, dict)
        or envelope.get("entity") != "event"
        or not isinstance(envelope.get("event"), str)
        or not isinstance(envelope.get("payload"), dict)
    ):
        raise InvalidWebhook("not a Razorpay event envelope")
    try:
        return _store_applied(event_id=event_id, envelope=envelope), True
    except IntegrityError:
        if not WebhookEvent.objects.filter(event_id=event_id).exists():
            raise  # not a redelivery: a real integrity problem
    except Exception as exc:  # applying failed or a lock was busy: store it for the worker
        log.warning("payments.webhook_deferred", event_id=event_id, error=f"{type(exc).__name__}: {exc}"[:300])
        # Unless a parallel delivery of the same event stored it meanwhile.
        stored, new = create_or_get(WebhookEvent, {"event_id": event_id}, **_received_fields(envelope))
        if new:
            return stored, True
    # Razorpay sent it again: one that failed here is tried again with this delivery.
    WebhookEvent.objects.filter(event_id=event_id, status=WebhookEvent.Status.FAILED).update(
        status=WebhookEvent.Status.RECEIVED
    )
    return WebhookEvent.objects.get(event_id=event_id), False


def _received_fields(envelope: dict[str, Any]) -> dict[str, Any]:
    """The inbox row of an event, as it is first stored (status RECEIVED), but for its id."""
    return {"event_type": envelope["event"][:60], "payload": envelope}


#: How long applying a webhook as it arrives may wait for a row lock (a worker holding the
#: intent while it calls Razorpay) before the event is left to the worker instead.
APPLY_LOCK_TIMEOUT = "1s"


def _store_applied(*, event_id: str, envelope: dict[str, Any]) -> WebhookEvent:
    """Apply the event, then insert it with the outcome: one transaction. A duplicate
    event id fails the insert, and the rollback takes the (idempotent) apply with it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite (the embedded default) has one writer anyway
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{APPLY_LOCK_TIMEOUT}'")
        event = WebhookEvent(event_id=event_id, **_received_fields(envelope))
        intent = _apply(event)
        if intent is not None and follow_up_due(intent):
            event.status = WebhookEvent.Status.RECEIVED  # applied; the worker calls Razorpay
        else:
            event.attempts, event.processed_at = 1, timezone.now()
        event.save(force_insert=True)
        return event


#: The task that applies stored webhooks, by name (entry points do not import each other).
PROCESS_WEBHOOKS_TASK = "payments.process_webhooks_task"
#: Set while a run of that task waits in the queue: Razorpay sends several webhooks per
#: payment, and one run applies all that are stored by the time it starts.
NUDGE_WAITING_KEY = "payments:webhooks-nudge-waiting"
NUDGE_COALESCE_SECONDS = 2


def nudge_processing() -> None:
    """Ask a worker to apply the stored webhooks, unless a run is already waiting to."""
    from shop.celery import app, send_once

    try:
        task = app.signature(PROCESS_WEBHOOKS_TASK)
        send_once(task, waiting_key=NUDGE_WAITING_KEY, coalesce_seconds=NUDGE_COALESCE_SECONDS)
    except Exception:
        # Stored is what Razorpay needs to hear about; the reconciler applies it later.
        log.exception("payments.webhook_enqueue_failed")


def process_received_webhooks(*, batch: int = 50, max_seconds: float = 5.0) -> int:
    """Apply the stored, not yet applied webhooks in arrival order until none is left (or
    time is up); returns how many were tried. Two runs may meet on a row: process_webhook
    locks it, and the second finds it applied. A failure is recorded on its row (FAILED)
    and left to the reconciler."""
    deadline = time.monotonic() + max_seconds
    tried = 0
    while time.monotonic() < deadline:
        waiting = list(
            WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED)
            .order_by("received_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        if not waiting:
            break
        for webhook_id in waiting:
            tried += 1
            try:
                process_webhook(webhook_id=webhook_id)
            except RefundNotVisibleYet as exc:  # expected for a moment: no stack trace
                log.warning("payments.webhook_waits_for_refund", webhook_id=webhook_id, error=str(exc))
            except Exception:
                log.exception("payments.webhook_failed", webhook_id=webhook_id)
    return tried


def _entity(envelope: dict[str, Any], name: str) -> dict[str, Any] | None:
    wrapped = envelope.get("payload", {}).get(name)
    entity = wrapped.get("entity") if isinstance(wrapped, dict) else None
    return entity if isinstance(entity, dict) else None


def process_webhook(*, webhook_id: int) -> WebhookEvent:
    """Apply a stored event (idempotent); a failure is recorded and left for a retry."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().get(id=webhook_id)
            if event.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
                return event
            intent = _apply(event)
            event.attempts += 1
            event.processed_at = timezone.now()
            event.save(update_fields=["status", "note", "attempts", "processed_at"])  # the payload stays as received
    except Exception as exc:
        _record_failure(webhook_id, f"{type(exc).__name__}: {exc}"[:300])
        raise
    if intent is not None and follow_up_due(intent):
        try:
            follow_up(intent_id=intent.id)
        except gateway.GatewayProblem as exc:
            # The event is applied; the reconciler retries the capture or refund.
            log.warning("payments.follow_up_failed", intent_id=str(intent.id), error=str(exc))
    return event


def _record_failure(webhook_id: int, error: str) -> None:
    """FAILED, for the reconciler to try again; at the last attempt it stops, and staff hear
    of it (WebhookAbandoned, once) in the same transaction."""
    with transaction.atomic():
        event = one_or_none(WebhookEvent.objects.select_for_update().filter(id=webhook_id))
        if event is None:
            return
        event.status, event.note, event.attempts = WebhookEvent.Status.FAILED, error, event.attempts + 1
        event.save(update_fields=["status", "note", "attempts"])
        if event.attempts == MAX_WEBHOOK_ATTEMPTS:
            order_id = _order_named_in(event.payload)
            publish(
                WebhookAbandoned(
                    webhook_id=event.id,
                    razorpay_event_id=event.event_id,
                    event_type=event.event_type,
                    order_id=order_id,
                    attempts=event.attempts,
                    error=error,
                ),
                key=order_id or event.event_id,
            )


def _order_named_in(envelope: Any) -> UUID | None:
    """Our order's id, from the notes we gave Razorpay (orders and refunds carry them)."""
    if not isinstance(envelope, dict):
        return None
    for name in ("refund", "payment", "order"):
        entity = _entity(envelope, name)
        notes = entity.get("notes") if entity else None
        if isinstance(notes, dict) and notes.get("order_id"):
            try:
                return UUID(str(notes["order_id"]))
            except ValueError:
                continue
    return None


def _apply(event: WebhookEvent) -> PaymentIntent | None:
    """Apply the event's entity; returns the payment's intent as it now stands, if any."""
    envelope = event.payload
    if event.event_type in PAYMENT_EVENTS:
        payment = _entity(envelope, "payment")
        intent = apply_payment(payment=payment, source="webhook") if payment else None
        if intent is None:
            event.status, event.note = WebhookEvent.Status.IGNORED, "no intent for this Razorpay order"
            return None
        event.status = WebhookEvent.Status.PROCESSED
        return intent
    if event.event_type in REFUND_EVENTS:
        entity = _entity(envelope, "refund")
        refund = apply_refund(refund=entity, source="webhook", reason="refund.failed webhook") if entity else None
        if refund is None:
            notes = entity.get("notes") if entity else None
            if isinstance(notes, dict) and notes.get("refund_id"):
                raise RefundNotVisibleYet(f"refund {notes['refund_id']} is not (yet) in our records")
            event.status, event.note = WebhookEvent.Status.IGNORED, "no refund of ours"
            return None
        event.status = WebhookEvent.Status.PROCESSED
        return None
    event.status, event.note = WebhookEvent.Status.IGNORED, "event type not handled"
    return None
