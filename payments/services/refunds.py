"""Refunds: full or partial, each under its own idempotency key, safe to retry end to end."""

from __future__ import annotations

import re
from typing import Any, cast
from uuid import UUID

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shop.db import in_transaction
from shop.eventbus import publish
from shop.money import format_inr

from .. import gateway
from ..errors import PaymentRefused
from ..events import PaymentRefunded, RefundChannel, RefundFailed, RefundRequested
from ..models import PaymentIntent, Refund
from ..states import Status
from ._common import lock_intent, move, note

log = structlog.get_logger("payments")

MIN_REFUND_PAISE = 100
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
SPEEDS = ("normal", "optimum")


def refund_payment(
    *,
    order_id: UUID,
    amount_paise: int,
    idempotency_key: str,
    reason: str,
    speed: str = "normal",
    source: str = "service",
) -> Refund:
    """Refund part or all of an order's captured payment; the same key again is the same refund."""
    errors = refund_input_errors(amount_paise=amount_paise, idempotency_key=idempotency_key, reason=reason)
    if speed not in SPEEDS:
        errors["speed"] = ["normal or optimum"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        intent = lock_intent(order_id=order_id)
        refund = same_key_refund(intent, idempotency_key=idempotency_key, amount_paise=amount_paise)
        if refund is None:
            refund = _new_refund(
                intent, amount_paise=amount_paise, key=idempotency_key, reason=reason, speed=speed, source=source
            )
    if refund.status == Refund.Status.REQUESTED and not in_transaction():
        # Staff or the API asked, with nothing left to commit: Razorpay is asked now and the
        # answer is theirs at once. Inside a caller's transaction (an event handler), the
        # refund is only written down: Razorpay is asked by send_requested_refund once it has
        # committed, so a rollback cannot leave money refunded that our books do not show.
        send_refund(refund_id=refund.id)
        refund.refresh_from_db()
    return refund


@transaction.atomic(savepoint=False)
def note_refund_below_minimum(*, order_id: UUID, amount_paise: int, reason: str) -> None:
    """Money owed back that Razorpay cannot refund (below its ₹1.00 minimum: a weighed line a
    few grams light) is noted on the intent, not sent and not an error: retrying would never
    succeed, and the bus would only dead-letter it."""
    intent = lock_intent(order_id=order_id)
    text = f"{format_inr(amount_paise)} owed back ({reason}) is below Razorpay's {format_inr(MIN_REFUND_PAISE)} minimum"
    note(intent, source="service", text=f"{text}: not refunded")
    log.info("payments.refund_below_minimum", order_id=str(order_id), amount_paise=amount_paise)


def refund_input_errors(*, amount_paise: int, idempotency_key: str, reason: str) -> dict[str, list[str]]:
    """What every refund asks of its input, by field (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise < MIN_REFUND_PAISE:
        errors["amount_paise"] = ["a refund is a whole number of paise, at least 100 (₹1.00)"]
    if not IDEMPOTENCY_KEY.match(idempotency_key or ""):
        errors["idempotency_key"] = ["10-64 characters of A-Z a-z 0-9 _ -"]
    if not (reason or "").strip():
        errors["reason"] = ["say why the money goes back"]
    return errors


def same_key_refund(
    intent: PaymentIntent, *, idempotency_key: str, amount_paise: int, channel: str = Refund.Channel.RAZORPAY
) -> Refund | None:
    """The refund an earlier request with this key made (a retry: the same refund), or None;
    the key used for another intent, amount or channel is refused."""
    refund = Refund.objects.filter(idempotency_key=idempotency_key).first()
    asked = (intent.id, amount_paise, channel)
    if refund is not None and (refund.intent_id, refund.amount_paise, refund.channel) != asked:
        used = f"idempotency key {idempotency_key} was used for another refund"
        raise PaymentRefused(used, code="idempotency_conflict")
    return refund


def publish_requested(intent: PaymentIntent, refund: Refund) -> None:
    """RefundRequested for a refund row just written (by Razorpay or paid by the store)."""
    publish(
        RefundRequested(
            order_id=intent.order_id,
            refund_id=refund.id,
            amount_paise=refund.amount_paise,
            reason=refund.reason,
            idempotency_key=refund.idempotency_key,
            channel=cast(RefundChannel, refund.channel),  # one of Refund.Channel
        ),
        key=intent.order_id,
    )


def publish_refunded(intent: PaymentIntent, refund: Refund) -> None:
    """PaymentRefunded for a refund row now processed."""
    publish(
        PaymentRefunded(
            order_id=intent.order_id,
            refund_id=refund.id,
            razorpay_refund_id=refund.razorpay_refund_id or "",
            amount_paise=refund.amount_paise,
            bank_reference=refund.bank_reference,
            refunded_at=refund.processed_at or timezone.now(),
            channel=cast(RefundChannel, refund.channel),
        ),
        key=intent.order_id,
    )


def _new_refund(intent: PaymentIntent, *, amount_paise: int, key: str, reason: str, speed: str, source: str) -> Refund:
    if intent.method != PaymentIntent.Method.RAZORPAY:
        raise PaymentRefused(
            "cash on delivery is not refunded through Razorpay: record the refund the store paid "
            "in cash, by UPI or bank transfer instead",
            code="not_refundable",
        )
    if intent.status != Status.CAPTURED:
        raise PaymentRefused(
            f"only a captured payment can be refunded; this one is {intent.status}", code="not_captured"
        )
    refundable = intent.captured_paise - intent.refunded_paise
    if amount_paise > refundable:
        raise PaymentRefused(
            f"Only {format_inr(refundable)} is left to refund ({format_inr(intent.captured_paise)} captured, "
            f"{format_inr(intent.refunded_paise)} refunded or on its way).",
            code="refund_exceeds_captured",
        )
    refund = Refund.objects.create(
        intent=intent, idempotency_key=key, amount_paise=amount_paise, reason=reason[:200], speed=speed
    )
    intent.refunded_paise += amount_paise
    intent.save(update_fields=["refunded_paise", "updated_at"])
    note(
        intent,
        source=source,
        text=f"refund {format_inr(amount_paise)} requested: {reason}",
        payment_id=intent.razorpay_payment_id,
    )
    publish_requested(intent, refund)
    return refund


def send_refund(*, refund_id: UUID) -> None:
    """Ask Razorpay for a stored refund (again): the idempotency header makes a retry the same refund."""
    refund = Refund.objects.select_related("intent").get(id=refund_id)
    if refund.status != Refund.Status.REQUESTED or refund.channel != Refund.Channel.RAZORPAY:
        return  # sent already, or paid by the store (cash on delivery): nothing to ask Razorpay
    payment_id = refund.extra_payment_id or refund.intent.razorpay_payment_id
    try:
        answer = gateway.refund_payment(
            payment_id=payment_id,
            amount_paise=refund.amount_paise,
            speed=refund.speed,
            receipt=refund.receipt,
            idempotency_key=refund.idempotency_key,
            notes={"order_id": str(refund.intent.order_id), "refund_id": str(refund.id)},
        )
    except gateway.Rejected as exc:
        if "in progress" in str(exc).lower():
            _record_error(refund.id, f"in flight at Razorpay: {exc}")
            return
        _refused(refund, exc, payment_id=payment_id)
        return
    except gateway.GatewayProblem as exc:
        # Outcome unknown or Razorpay down: stays requested; the reconciler resends with the same key.
        _record_error(refund.id, f"{type(exc).__name__}: {exc}")
        return
    with transaction.atomic():
        apply_refund(refund=answer, source="gateway")


def _refused(refund: Refund, exc: gateway.Rejected, *, payment_id: str) -> None:
    """Razorpay refused the refund. A resend of one whose first answer was lost may be refused
    although the first went through: before booking it failed (which makes its amount
    refundable again, and a second refund possible), ask Razorpay for the payment's refunds
    and take ours, by its receipt, if it is there. If that cannot be asked now, the refund
    stays requested, for the reconciler."""
    try:
        held = gateway.payment_refunds(payment_id)
    except gateway.GatewayProblem as problem:
        _record_error(refund.id, f"refused ({exc}); could not check Razorpay's refunds: {problem}")
        return
    ours = next((entity for entity in held if entity.get("receipt") == refund.receipt), None)
    with transaction.atomic():
        if ours is not None:
            log.warning("payments.refund_refused_but_made", refund_id=str(refund.id), error=str(exc))
            apply_refund(refund=ours, source="gateway")
        else:
            apply_refund(refund={"receipt": refund.receipt, "status": "failed"}, source="gateway", reason=str(exc))


def _record_error(refund_id: UUID, message: str) -> None:
    with transaction.atomic():
        Refund.objects.filter(id=refund_id).update(last_error=message[:300], updated_at=timezone.now())


_NEXT = {
    Refund.Status.REQUESTED: {Refund.Status.PENDING, Refund.Status.PROCESSED, Refund.Status.FAILED},
    Refund.Status.PENDING: {Refund.Status.PROCESSED, Refund.Status.FAILED},
    Refund.Status.PROCESSED: set(),
    Refund.Status.FAILED: set(),
}


def _bank_reference(entity: dict[str, Any]) -> str:
    acquirer = entity.get("acquirer_data") or {}
    if not isinstance(acquirer, dict):
        return ""
    return next((str(acquirer[k]) for k in ("arn", "rrn", "utr") if acquirer.get(k)), "")[:60]


def apply_refund(*, refund: dict[str, Any], source: str, reason: str = "") -> Refund | None:
    """Apply a Razorpay refund entity inside the caller's transaction; None if it is not ours."""
    found = None
    if refund.get("id"):
        found = Refund.objects.select_for_update().filter(razorpay_refund_id=str(refund["id"])).first()
    if found is None and refund.get("receipt"):
        found = _by_receipt(str(refund["receipt"]))
    if found is None:
        return None
    status = str(refund.get("status", ""))
    if refund.get("id") and not found.razorpay_refund_id:
        found.razorpay_refund_id = str(refund["id"])
    if status not in _NEXT[Refund.Status(found.status)]:
        found.save(update_fields=["razorpay_refund_id", "updated_at"])
        return found  # a duplicate, or older news
    intent = PaymentIntent.objects.select_for_update().get(id=found.intent_id)
    found.status = status
    found.last_error = ""
    if found.extra_payment_id:
        _on_extra_payment_refund(intent, found, refund, source=source, reason=reason)
    elif status == Refund.Status.PROCESSED:
        found.bank_reference = _bank_reference(refund) or found.bank_reference
        found.processed_at = timezone.now()
        _on_processed(intent, found, source)
    elif status == Refund.Status.FAILED:
        found.failure_reason = (reason or "refund failed at Razorpay")[:300]
        _on_failed(intent, found, source)
    found.save()
    return found


def _on_extra_payment_refund(
    intent: PaymentIntent, refund: Refund, entity: dict[str, Any], *, source: str, reason: str
) -> None:
    """A second payment's refund moved on: the intent's own money and the order's books are
    not touched (that payment was never the order's); the history says what happened."""
    payment_id = refund.extra_payment_id
    if refund.status == Refund.Status.PROCESSED:
        refund.bank_reference = _bank_reference(entity) or refund.bank_reference
        refund.processed_at = timezone.now()
        note(
            intent,
            source=source,
            payment_id=payment_id,
            text=f"second payment refunded ({format_inr(refund.amount_paise)})",
        )
    elif refund.status == Refund.Status.FAILED:
        refund.failure_reason = (reason or "refund failed at Razorpay")[:300]
        note(intent, source=source, payment_id=payment_id, text=f"second payment's refund failed: {reason}")
        log.error("payments.extra_payment_refund_failed", refund_id=str(refund.id), payment_id=payment_id)


def refund_extra_payment(intent: PaymentIntent, payment: dict[str, Any], *, source: str) -> Refund | None:
    """A payment other than the intent's was captured for an order already paid (a failed
    attempt Razorpay captured late, a second tab): give it back whole, once, under its own
    key. Inside the caller's transaction (the intent locked); Razorpay is asked after commit."""
    payment_id, amount = str(payment.get("id", "")), payment.get("amount")
    key = f"extra-{payment_id}"
    if not IDEMPOTENCY_KEY.match(key) or not isinstance(amount, int) or amount < MIN_REFUND_PAISE:
        note(
            intent,
            source=source,
            payment_id=payment_id,
            text=f"second payment ({amount} paise) captured: refund it by hand",
        )
        log.error("payments.extra_payment_not_refundable", intent_id=str(intent.id), payment_id=payment_id)
        return None
    refund = Refund.objects.filter(idempotency_key=key).first()
    if refund is not None:
        return refund  # known already: a duplicate webhook
    refund = Refund.objects.create(
        intent=intent,
        idempotency_key=key,
        amount_paise=amount,
        reason="a second payment for an order already paid",
        extra_payment_id=payment_id,
    )
    note(
        intent,
        source=source,
        payment_id=payment_id,
        text=f"second payment {format_inr(amount)} captured: refunding it whole",
    )
    log.warning("payments.extra_payment_refunded", intent_id=str(intent.id), payment_id=payment_id, amount=amount)
    transaction.on_commit(lambda: send_refund(refund_id=refund.id))
    return refund


def _by_receipt(receipt: str) -> Refund | None:
    try:
        refund_id = UUID(hex=receipt)
    except ValueError:
        return None
    return Refund.objects.select_for_update().filter(id=refund_id).first()


def _on_processed(intent: PaymentIntent, refund: Refund, source: str) -> None:
    done = (
        Refund.objects.filter(intent=intent, status=Refund.Status.PROCESSED, extra_payment_id="")
        .exclude(id=refund.id)
        .aggregate(total=Sum("amount_paise"))["total"]
        or 0
    ) + refund.amount_paise
    if done == intent.captured_paise:
        move(intent, Status.REFUNDED, source=source, text=f"refunded in full ({refund.razorpay_refund_id})")
    else:
        note(
            intent,
            source=source,
            text=f"refund {format_inr(refund.amount_paise)} processed ({refund.razorpay_refund_id})",
        )
    intent.save(update_fields=["status", "updated_at"])
    publish_refunded(intent, refund)


def _on_failed(intent: PaymentIntent, refund: Refund, source: str) -> None:
    # The amount is refundable again: staff decide what to do next.
    intent.refunded_paise -= refund.amount_paise
    intent.save(update_fields=["refunded_paise", "updated_at"])
    note(intent, source=source, text=f"refund {format_inr(refund.amount_paise)} failed: {refund.failure_reason}")
    log.error("payments.refund_failed", refund_id=str(refund.id), reason=refund.failure_reason)
    publish(
        RefundFailed(
            order_id=intent.order_id,
            refund_id=refund.id,
            amount_paise=refund.amount_paise,
            reason=refund.failure_reason,
            failed_at=timezone.now(),
        ),
        key=intent.order_id,
    )
