"""The reconciler (beat): ask Razorpay about whatever webhooks and callbacks left unsettled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import conf, gateway
from ..models import PaymentIntent, Refund, WebhookEvent
from ..states import Status
from .intents import ensure_razorpay_order
from .observe import apply_payment, follow_up
from .refunds import apply_refund, send_refund
from .webhooks import MAX_WEBHOOK_ATTEMPTS, RefundNotVisibleYet, process_webhook

log = structlog.get_logger("payments")

BATCH = 100
_RANK = {"refunded": 4, "captured": 4, "authorized": 3, "failed": 1}


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """One pass over stuck intents, unsent refunds and unprocessed webhooks; returns counts."""
    now = now or timezone.now()
    stuck = now - timedelta(seconds=conf.get("PAYMENTS_STUCK_AFTER_SECONDS"))
    counts = {"orders": 0, "intents": 0, "follow_ups": 0, "refunds": 0, "webhooks": 0, "errors": 0}

    for intent_id in PaymentIntent.objects.filter(
        status=Status.PENDING, updated_at__lt=stuck, cancelled_at=None
    ).values_list("id", flat=True)[:BATCH]:
        counts["orders" if _safely(ensure_razorpay_order, intent_id=intent_id, source="reconciler") else "errors"] += 1

    late_window = now - timedelta(seconds=conf.get("PAYMENTS_LATE_AUTH_WINDOW_SECONDS"))
    watch = (
        PaymentIntent.objects.filter(method=PaymentIntent.Method.RAZORPAY, created_at__gte=late_window)
        .filter(
            # Unpaid, or a failed payment (which may be authorised for 3 days): look again, once
            # per stuck period, for 3 days. An order abandoned longer is not asked about every
            # 15 minutes for ever; money that still comes is reported by its webhooks.
            Q(status__in=[Status.CREATED, Status.ATTEMPTED], updated_at__lt=stuck) | Q(status=Status.FAILED)
        )
        .filter(Q(reconciled_at__isnull=True) | Q(reconciled_at__lt=stuck))
        # The least recently asked first: a long list of old ones does not starve a new one.
        .order_by(F("reconciled_at").asc(nulls_first=True), "created_at")
    )
    for intent_id in watch.values_list("id", flat=True)[:BATCH]:
        counts["intents" if _safely(_fetch_intent, intent_id=intent_id, now=now) else "errors"] += 1

    # A capture or an automatic refund that failed to reach Razorpay last time.
    grace = now - timedelta(seconds=conf.get("PAYMENTS_CAPTURE_GRACE_SECONDS"))
    owed = PaymentIntent.objects.filter(
        Q(status=Status.AUTHORIZED, updated_at__lt=grace)
        | Q(status=Status.AUTHORIZED, cancelled_at__isnull=False)
        | Q(status=Status.AUTHORIZED, failure_code__gt="")
        | Q(status=Status.CAPTURED, cancelled_at__isnull=False, refunded_paise__lt=F("captured_paise"))
    )
    for intent_id in owed.values_list("id", flat=True)[:BATCH]:
        counts["follow_ups" if _safely(follow_up, intent_id=intent_id) else "errors"] += 1

    for refund_id in Refund.objects.filter(status=Refund.Status.REQUESTED).values_list("id", flat=True)[:BATCH]:
        counts["refunds" if _safely(send_refund, refund_id=refund_id) else "errors"] += 1
    pending = Refund.objects.filter(
        status=Refund.Status.PENDING, updated_at__lt=stuck, razorpay_refund_id__isnull=False
    )
    for refund in pending[:BATCH]:
        counts["refunds" if _safely(_fetch_refund, razorpay_refund_id=refund.razorpay_refund_id) else "errors"] += 1

    retry = WebhookEvent.objects.filter(
        status__in=[WebhookEvent.Status.RECEIVED, WebhookEvent.Status.FAILED],
        received_at__lt=now - timedelta(seconds=60),
        attempts__lt=MAX_WEBHOOK_ATTEMPTS,
    )
    for webhook_id in retry.values_list("id", flat=True)[:BATCH]:
        counts["webhooks" if _safely(process_webhook, webhook_id=webhook_id) else "errors"] += 1
    if any(counts.values()):
        log.info("payments.reconciled", **counts)
    return counts


def _safely(fn: Any, **kwargs: Any) -> bool:
    try:
        fn(**kwargs)
    except RefundNotVisibleYet as exc:  # a refund webhook still ahead of its refund: tried again
        log.warning("payments.reconcile_waits_for_refund", error=str(exc), **{k: str(v) for k, v in kwargs.items()})
        return False
    except Exception:
        # One bad intent must not stop the pass; it is logged and tried again next time.
        log.exception("payments.reconcile_failed", step=fn.__name__, **{k: str(v) for k, v in kwargs.items()})
        return False
    return True


def _fetch_intent(*, intent_id: Any, now: datetime) -> None:
    intent = PaymentIntent.objects.get(id=intent_id)
    payments = gateway.order_payments(str(intent.razorpay_order_id))
    # Furthest along first, so an older failure never hides a success.
    payments.sort(key=lambda p: -_RANK.get(str(p.get("status")), 0))
    with transaction.atomic():
        for payment in payments:
            apply_payment(payment=payment, source="reconciler")
        PaymentIntent.objects.filter(id=intent_id).update(reconciled_at=now)
    follow_up(intent_id=intent_id)


def _fetch_refund(*, razorpay_refund_id: str) -> None:
    with transaction.atomic():
        apply_refund(refund=gateway.fetch_refund(razorpay_refund_id), source="reconciler")
