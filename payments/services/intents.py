"""Payment intents: request a payment, the checkout callback, cancellation, cash on delivery."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shop.db import create_or_get, one_or_none
from shop.eventbus import publish
from shop.money import format_inr

from .. import conf, gateway
from ..errors import PaymentRefused
from ..events import CashCollected, PaymentRequested
from ..models import PaymentIntent
from ..states import Status
from ._common import lock_intent, move, note
from .observe import apply_payment, follow_up, follow_up_due

log = structlog.get_logger("payments")

MIN_RAZORPAY_PAISE = 100


def receipt_for(order_id: UUID) -> str:
    """Our receipt for the order's Razorpay order (<= 40 characters, unique)."""
    return f"ord_{order_id.hex}"


def request_payment(
    *,
    order_id: UUID,
    amount_paise: int,
    customer_id: UUID | None = None,
    customer_name: str = "",
    customer_email: str = "",
    customer_contact: str = "",
    method: str = PaymentIntent.Method.RAZORPAY,
) -> PaymentIntent:
    """Store the order's intent, then (prepaid) create its Razorpay order; safe to call again."""
    if method not in PaymentIntent.Method.values:
        raise ValidationError({"method": [f"unknown payment method {method!r}"]})
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise < 0:
        raise ValidationError({"amount_paise": ["must be a whole, non-negative number of paise"]})
    if method == PaymentIntent.Method.RAZORPAY and amount_paise < MIN_RAZORPAY_PAISE:
        raise ValidationError({"amount_paise": ["Razorpay takes at least 100 paise (Rs 1.00)"]})
    with transaction.atomic(savepoint=False):  # a refusal fails the caller: no savepoint to roll back to
        intent, created = create_or_get(
            PaymentIntent,
            {"order_id": order_id},
            amount_paise=amount_paise,
            method=method,
            customer_id=customer_id,
            customer_name=customer_name[:120],
            customer_email=customer_email[:254],
            customer_contact=customer_contact[:20],
            receipt=receipt_for(order_id),
        )
        if not created and (intent.amount_paise != amount_paise or intent.method != method):
            raise PaymentRefused(
                f"payment for order {order_id} was already requested as {intent.method} "
                f"{format_inr(intent.amount_paise)}",
                code="payment_mismatch",
            )
        if created:
            note(intent, source="service", text=f"requested {method} {format_inr(amount_paise)}")
            if method == PaymentIntent.Method.COD:
                move(intent, Status.CREATED, source="service", text="cash on delivery: collected at the door")
                intent.save(update_fields=["status", "updated_at"])
    if intent.method == PaymentIntent.Method.COD or intent.razorpay_order_id:
        return intent
    # Inserted by a transaction still open (the saga's handler): no one else can see the
    # row, let alone lock it, so there is nothing to lock again.
    held = intent if created and transaction.get_connection().in_atomic_block else None
    return ensure_razorpay_order(intent_id=intent.id, fresh=created, held=held)


def ensure_razorpay_order(
    *, intent_id: UUID, fresh: bool = False, source: str = "service", held: PaymentIntent | None = None
) -> PaymentIntent:
    """Give a pending intent its Razorpay order: look it up by receipt first, create it at most once.
    `held`: the intent, already the caller's own in its open transaction (no lock to take)."""
    try:
        if held is not None:
            _open_razorpay_order(held, fresh=fresh, source=source)
            return held
        with transaction.atomic():
            # The row lock serialises two callers for one order, so only one creates.
            intent = PaymentIntent.objects.select_for_update().get(id=intent_id)
            if intent.razorpay_order_id or intent.cancelled_at is not None:
                return intent  # has its order, or the order can no longer be paid
            _open_razorpay_order(intent, fresh=fresh, source=source)
            return intent
    except gateway.GatewayProblem as exc:
        _record_error(intent_id, f"Razorpay order: {type(exc).__name__}: {exc}")
        raise


def _open_razorpay_order(intent: PaymentIntent, *, fresh: bool, source: str) -> None:
    """The intent (locked by the caller) gets its Razorpay order: the one with its receipt, or a new one."""
    order = None if fresh else gateway.find_order_by_receipt(intent.receipt)
    if order is None:
        order = _create_order(intent)
    _adopt(intent, order, source=source)


def _create_order(intent: PaymentIntent) -> dict[str, Any]:
    notes = {"order_id": str(intent.order_id), "intent_id": str(intent.id)}
    try:
        return gateway.create_order(amount_paise=intent.amount_paise, receipt=intent.receipt, notes=notes)
    except gateway.Rejected:
        # A "fresh" intent may be the second of its order: the first was rolled back (its
        # handler failed, or its worker died) after Razorpay had made the order, and the
        # receipt (one per order) is taken. That order is ours: adopt it, or give up.
        found = gateway.find_order_by_receipt(intent.receipt)
        if found is None:
            raise
        log.warning("payments.order_adopted_after_rollback", intent_id=str(intent.id), receipt=intent.receipt)
        return found
    except gateway.Unknown:
        # The order may exist and only the answer was lost: find it before creating another.
        log.warning("payments.order_create_timeout", intent_id=str(intent.id), receipt=intent.receipt)
        found = gateway.find_order_by_receipt(intent.receipt)
        if found is not None:
            return found
        return gateway.create_order(amount_paise=intent.amount_paise, receipt=intent.receipt, notes=notes)


def _adopt(intent: PaymentIntent, order: dict[str, Any], *, source: str) -> None:
    if order.get("receipt") != intent.receipt or order.get("amount") != intent.amount_paise:
        raise PaymentRefused(
            f"Razorpay order {order.get('id')} does not match intent {intent.id}", code="gateway_mismatch"
        )
    intent.razorpay_order_id = str(order["id"])
    intent.last_error = ""
    move(intent, Status.CREATED, source=source, text=f"Razorpay order {intent.razorpay_order_id}")
    intent.save(update_fields=["razorpay_order_id", "last_error", "status", "updated_at"])
    publish(
        PaymentRequested(
            order_id=intent.order_id,
            intent_id=intent.id,
            razorpay_order_id=intent.razorpay_order_id,
            key_id=conf.key_id(),
            amount_paise=intent.amount_paise,
            pay_url=reverse("payments:pay", kwargs={"intent_id": intent.id}),
        ),
        key=intent.order_id,
    )


def _record_error(intent_id: UUID, message: str) -> None:
    with transaction.atomic():
        PaymentIntent.objects.filter(id=intent_id).update(last_error=message[:300], updated_at=timezone.now())


def verify_callback(
    *, intent_id: UUID, razorpay_order_id: str, razorpay_payment_id: str, razorpay_signature: str
) -> PaymentIntent:
    """Checkout's callback: the signature must match the order id WE stored. Marks the intent
    client-verified, and applies the payment as Razorpay reports it (fetched, unless a
    webhook has already brought the capture): the browser's word alone moves no money."""
    intent = one_or_none(PaymentIntent.objects.filter(id=intent_id))
    if intent is None or not intent.razorpay_order_id:
        raise PaymentRefused("unknown payment", code="not_found", status_code=404)
    same_order = hmac.compare_digest(razorpay_order_id.encode(), intent.razorpay_order_id.encode())
    signed = gateway.payment_signature_ok(
        stored_order_id=intent.razorpay_order_id, payment_id=razorpay_payment_id, signature=razorpay_signature
    )
    if not (same_order and signed):
        log.warning("payments.callback_refused", intent_id=str(intent_id), same_order=same_order)
        raise PaymentRefused("the payment signature does not match this order", code="bad_signature", status_code=400)
    # The signature says the browser saw success, not that money moved: ask Razorpay,
    # unless its webhook has already told us the money is in.
    payment: dict[str, Any] | None = None
    if intent.status not in (Status.CAPTURED, Status.REFUNDED):
        try:
            payment = gateway.fetch_payment(razorpay_payment_id)
        except gateway.GatewayProblem as exc:
            log.info("payments.callback_fetch_failed", intent_id=str(intent_id), error=str(exc))
            # the webhooks (or the reconciler) will tell
    with transaction.atomic():  # what the browser saw and what Razorpay says, together
        intent = PaymentIntent.objects.select_for_update().get(id=intent_id)
        intent.client_verified_at = intent.client_verified_at or timezone.now()
        if intent.status in (Status.CREATED, Status.FAILED):
            move(intent, Status.ATTEMPTED, source="callback", text="signature verified", payment_id=razorpay_payment_id)
            intent.razorpay_payment_id = razorpay_payment_id
        changed = ["client_verified_at", "status", "razorpay_payment_id", "updated_at"]
        verified_status = intent.status
        if (
            payment is not None
            and apply_payment(payment=payment, source="callback", intent=intent, also=changed) is None
        ):
            log.warning("payments.callback_payment_mismatch", intent_id=str(intent_id), payment_id=razorpay_payment_id)
        if payment is None or intent.status == verified_status:  # apply_payment saved nothing
            intent.save(update_fields=changed)
    return follow_up(intent_id=intent.id) if follow_up_due(intent) else intent


def cancel_payment(*, order_id: UUID, reason: str) -> PaymentIntent:
    """The order is no longer payable: money already in (or arriving later) goes back."""
    with transaction.atomic():
        intent = lock_intent(order_id=order_id)
        if intent.cancelled_at is None:
            intent.cancelled_at = timezone.now()
            intent.cancel_reason = reason[:200]
            intent.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
            note(intent, source="service", text=f"order cancelled: {reason}")
    return follow_up(intent_id=intent.id)


def set_cash_due(*, order_id: UUID, amount_paise: int) -> PaymentIntent | None:
    """A cash-on-delivery order's total fell after picking: the cash due falls with it."""
    with transaction.atomic():
        intent = one_or_none(PaymentIntent.objects.select_for_update().filter(order_id=order_id))
        if intent is None or intent.method != PaymentIntent.Method.COD or intent.status != Status.CREATED:
            return intent
        if 0 <= amount_paise < intent.amount_paise:
            note(
                intent,
                source="order",
                text=f"cash due {format_inr(intent.amount_paise)} -> {format_inr(amount_paise)} after picking",
            )
            intent.amount_paise = amount_paise
            intent.save(update_fields=["amount_paise", "updated_at"])
        return intent


def settle_cash_on_delivery(
    *, order_id: UUID, cash_collected_paise: int, collected_at: datetime
) -> PaymentIntent | None:
    """Delivery reports the cash collected: settle the order's COD intent, once."""
    with transaction.atomic():
        intent = one_or_none(PaymentIntent.objects.select_for_update().filter(order_id=order_id))
        if intent is None or intent.method != PaymentIntent.Method.COD or intent.status != Status.CREATED:
            return intent
        if cash_collected_paise > intent.amount_paise:
            raise PaymentRefused(
                f"collected {format_inr(cash_collected_paise)} exceeds the {format_inr(intent.amount_paise)} due",
                code="overcollected",
            )
        move(intent, Status.CAPTURED, source="delivery", text=f"cash collected {format_inr(cash_collected_paise)}")
        intent.captured_paise = cash_collected_paise
        intent.save(update_fields=["status", "captured_paise", "updated_at"])
        publish(
            CashCollected(
                order_id=intent.order_id,
                intent_id=intent.id,
                amount_paise=cash_collected_paise,
                expected_paise=intent.amount_paise,
                collected_at=collected_at,
            ),
            key=intent.order_id,
        )
        return intent
