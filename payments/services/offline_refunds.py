"""Refunds the store paid itself for cash on delivery (cash, UPI or bank transfer): recorded, not sent.

Razorpay never saw this money, so there is nothing to ask it: the refund is written down as
processed at once, and the same events as a Razorpay refund that went through are published,
so orders records it (with its credit note) and notifications tells the customer.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shop.money import format_inr

from ..errors import PaymentRefused
from ..models import PaymentIntent, Refund
from ..states import Status
from ._common import lock_intent, move, note
from .refunds import publish_refunded, publish_requested, refund_input_errors, same_key_refund

#: The channels a store pays a cash-on-delivery refund through.
OFFLINE_CHANNELS = (Refund.Channel.CASH, Refund.Channel.UPI, Refund.Channel.BANK_TRANSFER)
#: A UPI or bank transfer is traced by its reference (UTR / RRN); cash may have none.
NEEDS_REFERENCE = (Refund.Channel.UPI, Refund.Channel.BANK_TRANSFER)
MAX_REFERENCE = 60


def record_offline_refund(
    *,
    order_id: UUID,
    amount_paise: int,
    channel: str,
    reference: str = "",
    reason: str,
    idempotency_key: str,
    source: str = "service",
) -> Refund:
    """Record money the store paid back for a cash-on-delivery order (cash, UPI, bank transfer);
    never more than the cash collected less what went back already; the same key is the same refund."""
    reference = (reference or "").strip()
    errors = refund_input_errors(amount_paise=amount_paise, idempotency_key=idempotency_key, reason=reason)
    if channel not in OFFLINE_CHANNELS:
        errors["channel"] = ["cash, upi or bank_transfer"]
    elif channel in NEEDS_REFERENCE and not reference:
        errors["reference"] = [f"a {Refund.Channel(channel).label} refund needs its reference (UTR / RRN)"]
    if len(reference) > MAX_REFERENCE:
        errors["reference"] = [f"at most {MAX_REFERENCE} characters"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        intent = lock_intent(order_id=order_id)
        refund = same_key_refund(intent, idempotency_key=idempotency_key, amount_paise=amount_paise, channel=channel)
        if refund is not None:
            return refund
        return _record(
            intent,
            amount_paise=amount_paise,
            channel=channel,
            reference=reference,
            reason=reason.strip(),
            key=idempotency_key,
            source=source,
        )


def _record(
    intent: PaymentIntent, *, amount_paise: int, channel: str, reference: str, reason: str, key: str, source: str
) -> Refund:
    if intent.method != PaymentIntent.Method.COD:
        raise PaymentRefused(
            "this order was paid through Razorpay: refund it through Razorpay, not as money the store paid back",
            code="not_cash_on_delivery",
        )
    if intent.status not in (Status.CAPTURED, Status.REFUNDED) or intent.captured_paise == 0:
        raise PaymentRefused(
            "no cash was collected for this order yet, so there is nothing to refund", code="not_collected"
        )
    refundable = intent.captured_paise - intent.refunded_paise
    if amount_paise > refundable:
        raise PaymentRefused(
            f"Only {format_inr(refundable)} is left to refund ({format_inr(intent.captured_paise)} collected in cash, "
            f"{format_inr(intent.refunded_paise)} refunded already).",
            code="refund_exceeds_captured",
        )
    now = timezone.now()
    refund = Refund.objects.create(
        intent=intent,
        idempotency_key=key,
        amount_paise=amount_paise,
        reason=reason[:200],
        speed="",
        channel=channel,
        status=Refund.Status.PROCESSED,
        bank_reference=reference,
        processed_at=now,
    )
    intent.refunded_paise += amount_paise
    label = Refund.Channel(channel).label.lower()
    how = f"{label}, {reference}" if reference else label
    said = f"refund {format_inr(amount_paise)} paid by the store ({how}): {reason}"
    if intent.refunded_paise == intent.captured_paise:
        move(intent, Status.REFUNDED, source=source, text=f"{said}; refunded in full")
    else:
        note(intent, source=source, text=said)
    intent.save(update_fields=["refunded_paise", "status", "updated_at"])
    # What a Razorpay refund publishes, requested then processed, so every consumer records it as one.
    publish_requested(intent, refund)
    publish_refunded(intent, refund)
    return refund
