"""Cancelling orders: by the saga, the customer, staff, or the payment window closing."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shop.eventbus import publish

from ..events import OrderCancelled
from ..models import Order
from .state import CUSTOMER_CANCELLABLE, STAFF_CANCELLABLE, IllegalTransition, lock, transition

S = Order.Status


def cancel_locked(order: Order, reason: str, *, detail: str = "", also: tuple[str, ...] = ()) -> None:
    """Cancel an order the caller has locked; the event makes the other apps undo their part.
    `also` names other fields the caller changed, written with the cancellation."""
    from_status = order.status
    order.cancel_reason = reason
    text = f"{reason}: {detail}" if detail else reason
    transition(order, S.CANCELLED, reason=text, also=("cancel_reason", *also))
    publish(
        OrderCancelled(
            order_id=order.id,
            customer_id=order.customer_id,
            store_id=order.store_id,
            reason=reason,
            from_status=from_status,
            payment_method=order.payment_method,
        ),
        key=order.id,
    )


@transaction.atomic
def cancel_order(*, order_id: UUID, by_staff: bool = False, note: str = "") -> Order:
    """A customer (until packed) or staff (until it leaves the store) cancels; cancelling twice
    is a no-op. `note` (staff: why) goes on the order's timeline."""
    order = lock(order_id)
    if order.status == S.CANCELLED:
        return order
    allowed = order.status in (STAFF_CANCELLABLE if by_staff else CUSTOMER_CANCELLABLE)
    if not allowed:
        raise IllegalTransition(order, S.CANCELLED)
    cancel_locked(order, "staff_cancelled" if by_staff else "customer_cancelled", detail=" ".join(note.split()))
    return order


def failed_attempts_detail(order: Order) -> str:
    """What a payment timeout's timeline says of the attempts that failed before it."""
    count = order.payment_attempts_failed
    if not count:
        return ""
    return f"after {count} failed payment attempt{'s' if count > 1 else ''} ({order.payment_error})"[:150]


def cancel_expired_orders(*, limit: int = 500) -> int:
    """Cancel orders not confirmed within their payment window; each in its own transaction."""
    cancelled = 0
    due = Order.objects.filter(
        status__in=[S.PENDING, S.AWAITING_PAYMENT], payment_due_at__lt=timezone.now()
    ).values_list("id", flat=True)[:limit]
    for order_id in list(due):
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
            if order is None or order.status not in (S.PENDING, S.AWAITING_PAYMENT):
                continue  # busy or moved on meanwhile
            waiting_for_money = (
                order.payment_method == Order.PaymentMethod.RAZORPAY
                and order.payment_state != Order.PaymentState.CAPTURED
            )
            reason = "payment_timeout" if waiting_for_money else "confirmation_timeout"
            cancel_locked(order, reason, detail=failed_attempts_detail(order))
            cancelled += 1
    return cancelled
