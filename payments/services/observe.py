"""What Razorpay says about a payment (webhook, fetch, capture answer) applied to the intent.

Observations arrive in any order and any number of times: each one only moves an
intent forward along the state machine, and the event of a step is published once.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from django.db import transaction
from django.utils import timezone

from shop.db import one_or_none
from shop.eventbus import publish

from .. import conf, gateway
from ..events import PaymentCaptured, PaymentFailed
from ..models import PaymentIntent
from ..states import PROGRESS, Status, can_move
from ._common import move, note

log = structlog.get_logger("payments")

#: Razorpay payment status -> the intent status it proves.
_OBSERVED = {
    "authorized": Status.AUTHORIZED,
    "captured": Status.CAPTURED,
    # A refunded payment was captured first (unless `captured` is false: an authorisation
    # Razorpay returned uncaptured); the refunds themselves arrive as refund events.
    "refunded": Status.CAPTURED,
    "failed": Status.FAILED,
}


def _when(payment: dict[str, Any]) -> datetime:
    created = payment.get("created_at")
    return datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else timezone.now()


def apply_payment(  # noqa: PLR0911 - one exit per kind of stale news
    *, payment: dict[str, Any], source: str, intent: PaymentIntent | None = None, also: Sequence[str] = ()
) -> PaymentIntent | None:
    """Apply one payment entity inside the caller's transaction; None if the order is not
    ours. `intent`: the payment's intent, already locked by the caller (not looked up again).
    The intent is saved if and only if its status moves; `also` names fields the caller
    changed on it, saved in that same UPDATE (the caller saves them itself otherwise)."""
    order_id = payment.get("order_id")
    if not order_id:
        return None
    if intent is None:
        intent = one_or_none(PaymentIntent.objects.select_for_update().filter(razorpay_order_id=str(order_id)))
    elif not hmac.compare_digest(str(order_id).encode(), (intent.razorpay_order_id or "").encode()):
        return None
    if intent is None:
        return None
    target = _OBSERVED.get(str(payment.get("status")))
    if target == Status.CAPTURED and payment.get("status") == "refunded" and payment.get("captured") is False:
        # Razorpay gave back an authorisation nobody captured (after 3 days): no money came in.
        target = Status.REFUNDED
    payment_id = str(payment.get("id", ""))
    if target is None:
        return intent
    if target == Status.FAILED:
        _apply_failure(intent, payment, source=source, also=also)
        return intent
    if payment.get("amount") != intent.amount_paise or payment.get("currency", "INR") != intent.currency:
        note(
            intent, source=source, payment_id=payment_id, text=f"refused: amount {payment.get('amount')} does not match"
        )
        log.error("payments.amount_mismatch", intent_id=str(intent.id), payment_id=payment_id)
        return intent
    if (
        target == Status.CAPTURED
        and intent.status in (Status.CAPTURED, Status.REFUNDED)
        and payment_id
        and intent.razorpay_payment_id
        and payment_id != intent.razorpay_payment_id
    ):
        from .refunds import refund_extra_payment

        refund_extra_payment(intent, payment, source=source)  # money the order never asked for
        return intent
    if PROGRESS[target] <= PROGRESS[Status(intent.status)]:
        return intent  # a duplicate, or older news than what we know
    if not can_move(intent.status, target):
        note(intent, source=source, payment_id=payment_id, text=f"ignored: {intent.status} -> {target}")
        return intent
    text, cleared = _after_failure(intent, payment_id) if intent.status == Status.FAILED else ("", ())
    move(intent, target, source=source, payment_id=payment_id, text=text)
    intent.razorpay_payment_id = payment_id
    fields = list(dict.fromkeys(["status", "razorpay_payment_id", "updated_at", *cleared, *also]))
    if target == Status.CAPTURED:
        intent.captured_paise = intent.amount_paise
        fields.append("captured_paise")
        publish(
            PaymentCaptured(
                order_id=intent.order_id,
                intent_id=intent.id,
                method="razorpay",
                razorpay_payment_id=payment_id,
                amount_paise=intent.amount_paise,
                captured_at=timezone.now(),
            ),
            key=intent.order_id,
        )
    intent.save(update_fields=fields)
    return intent


def _after_failure(intent: PaymentIntent, payment_id: str) -> tuple[str, tuple[str, ...]]:
    """A failed intent's payment succeeding: a failed attempt late-authorised by Razorpay, or
    a new attempt (its failure forgotten, so it is auto-captured like any other). Returns
    the history's note and the fields cleared."""
    if intent.transitions.filter(to_status=Status.FAILED, razorpay_payment_id=payment_id).exists():
        return "late authorisation", ()
    intent.failure_code = intent.failure_description = ""
    return "a new attempt after a failed one", ("failure_code", "failure_description")


def _apply_failure(intent: PaymentIntent, payment: dict[str, Any], *, source: str, also: Sequence[str]) -> None:
    """One attempt failed. Razorpay lets the customer try again on the same order (the order
    waits for the payment until its window closes), so every failed attempt is news once,
    with how many have failed: orders decides when enough is enough."""
    payment_id = str(payment.get("id", ""))
    failures = intent.transitions.filter(to_status=Status.FAILED)
    if payment_id and failures.filter(razorpay_payment_id=payment_id).exists():
        return  # the same failure again
    if intent.status == Status.ATTEMPTED and payment_id != intent.razorpay_payment_id:
        # An older attempt's failure, told after a newer one came back signed from checkout.
        note(intent, source=source, payment_id=payment_id, text="an earlier attempt failed")
        return
    if intent.status != Status.FAILED and not can_move(intent.status, Status.FAILED):
        return  # another attempt failed after this order was paid: nothing to do
    code = str(payment.get("error_code") or "PAYMENT_FAILED")[:60]
    description = str(payment.get("error_description") or "")[:300]
    if intent.status == Status.FAILED:
        note(intent, source=source, payment_id=payment_id, text=f"another attempt failed: {code}: {description}")
    else:
        move(intent, Status.FAILED, source=source, payment_id=payment_id, text=f"{code}: {description}")
    intent.razorpay_payment_id = payment_id
    intent.failure_code, intent.failure_description = code, description
    fields = ["status", "razorpay_payment_id", "failure_code", "failure_description", "updated_at", *also]
    intent.save(update_fields=list(dict.fromkeys(fields)))
    publish(
        PaymentFailed(
            order_id=intent.order_id,
            intent_id=intent.id,
            razorpay_payment_id=payment_id,
            error_code=code,
            error_description=description,
            failed_at=_when(payment),
            failed_attempts=failures.values("razorpay_payment_id").distinct().count(),
        ),
        key=intent.order_id,
    )


def observe_payment(*, payment: dict[str, Any], source: str) -> PaymentIntent:
    """Apply a payment entity fetched from Razorpay, then do what the new state asks."""
    with transaction.atomic():
        intent = apply_payment(payment=payment, source=source)
    if intent is None:
        raise LookupError(f"payment {payment.get('id')} is for no order of ours")
    return follow_up(intent_id=intent.id) if follow_up_due(intent) else intent


def follow_up_due(intent: PaymentIntent) -> bool:
    """Whether follow_up() would call Razorpay now: an authorisation to capture at once, or
    a refund owed. (A fresh authorisation is Razorpay's to auto-capture; the reconciler
    captures it after the grace period if Razorpay did not.)"""
    return (intent.status == Status.AUTHORIZED and _capture_now(intent)) or _refund_owed(intent) > 0


def _refund_owed(intent: PaymentIntent) -> int:
    """Paise captured for an order no longer payable and not yet refunded (0 below Razorpay's minimum)."""
    from .refunds import MIN_REFUND_PAISE

    remaining = intent.captured_paise - intent.refunded_paise
    owed = intent.cancelled_at is not None and intent.status == Status.CAPTURED and remaining >= MIN_REFUND_PAISE
    return remaining if owed else 0


def _capture_now(intent: PaymentIntent) -> bool:
    """Razorpay auto-captures a fresh authorisation of our orders; we capture the rest."""
    late = bool(intent.failure_code)  # it failed first: Razorpay may not auto-capture it
    grace = timedelta(seconds=conf.get("PAYMENTS_CAPTURE_GRACE_SECONDS"))
    return intent.cancelled_at is not None or late or intent.updated_at < timezone.now() - grace


def follow_up(*, intent_id: UUID) -> PaymentIntent:
    """Capture an authorised payment; refund money that came in for an order no longer payable."""
    from .refunds import refund_payment

    intent = PaymentIntent.objects.get(id=intent_id)
    if intent.status == Status.AUTHORIZED and _capture_now(intent):
        try:
            payment = gateway.capture_payment(payment_id=intent.razorpay_payment_id, amount_paise=intent.amount_paise)
        except gateway.Rejected:
            # Captured meanwhile (by Razorpay's auto-capture or another worker): ask what it is now.
            payment = gateway.fetch_payment(intent.razorpay_payment_id)
        with transaction.atomic():
            apply_payment(payment=payment, source="capture")
        intent.refresh_from_db()
    owed = _refund_owed(intent)
    failed = intent.refunds.filter(status="failed", extra_payment_id="").count() if owed else 0
    if owed and failed <= MAX_AUTO_REFUND_FAILURES:
        refund_payment(
            order_id=intent.order_id,
            amount_paise=owed,
            idempotency_key=_unpayable_key(intent, failed=failed),
            reason=f"order no longer payable: {intent.cancel_reason}"[:200],
            source="auto",
        )
        intent.refresh_from_db()
    return intent


#: A cancelled order's money is sent back automatically again after a failed refund, this
#: many times; then it waits for staff (each failure alerts them: RefundFailed).
MAX_AUTO_REFUND_FAILURES = 2


def _unpayable_key(intent: PaymentIntent, *, failed: int) -> str:
    """The idempotency key of the refund of what a cancelled order still holds: the same for
    a retry of the same refund (a crash, a lost answer), a new one once the amount owed has
    changed (a refund in flight failed and came back) or a refund of it failed."""
    first = f"unpayable-{intent.id.hex}"
    return first if not (intent.refunded_paise or failed) else f"{first}-{intent.refunded_paise}-{failed}"
