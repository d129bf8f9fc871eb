"""Helpers the payments services share: locking an intent and moving it along its state machine."""

from __future__ import annotations

from uuid import UUID

from shop.db import one_or_none

from ..errors import PaymentRefused
from ..models import PaymentIntent, PaymentTransition
from ..states import check_move


def lock_intent(*, order_id: UUID) -> PaymentIntent:
    """The order's intent, locked for this transaction."""
    intent = one_or_none(PaymentIntent.objects.select_for_update().filter(order_id=order_id))
    if intent is None:
        raise PaymentRefused(f"no payment was requested for order {order_id}", code="not_found", status_code=404)
    return intent


def note(intent: PaymentIntent, *, source: str, text: str, payment_id: str = "") -> None:
    """Record something that happened to the intent without a status change."""
    PaymentTransition.objects.create(
        intent=intent,
        from_status=intent.status,
        to_status=intent.status,
        source=source,
        note=text[:300],
        razorpay_payment_id=payment_id,
    )


def move(intent: PaymentIntent, target: str, *, source: str, text: str = "", payment_id: str = "") -> None:
    """Change the intent's status if the state machine allows it (raises IllegalTransition)."""
    check_move(intent.status, target)
    PaymentTransition.objects.create(
        intent=intent,
        from_status=intent.status,
        to_status=target,
        source=source,
        note=text[:300],
        razorpay_payment_id=payment_id,
    )
    intent.status = target
