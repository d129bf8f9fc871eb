"""The order's state machine: which transitions exist, and the one function that makes them."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone

from shop.eventbus import publish

from .. import live
from ..events import OrderStatusChanged
from ..models import Order, OrderTransition

S = Order.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.AWAITING_PAYMENT, S.CONFIRMED, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PICKING, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.OUT_FOR_DELIVERY, S.CANCELLED}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.PACKED, S.CANCELLED}),  # PACKED: a failed attempt, retried
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}
#: A customer may cancel until the order is packed.
CUSTOMER_CANCELLABLE = frozenset({S.PENDING, S.AWAITING_PAYMENT, S.CONFIRMED, S.PICKING})
#: Staff may also call off a packed order (still at the store). Once it is out for delivery
#: the parcel is the rider's: a failed attempt and the return to the store cancel it.
STAFF_CANCELLABLE = CUSTOMER_CANCELLABLE | {S.PACKED}


class IllegalTransition(Exception):
    """The order cannot go from its state to the one asked for."""

    def __init__(self, order: Order, to_status: str) -> None:
        super().__init__(
            f"An order that is {order.status.replace('_', ' ')} cannot become {to_status.replace('_', ' ')}."
        )
        self.from_status = order.status
        self.to_status = to_status


def lock(order_id: UUID) -> Order:
    """The order, locked until the transaction ends: the saga's handlers run concurrently."""
    return Order.objects.select_for_update().get(pk=order_id)


#: The moment each state records on the order, besides its status.
_STAMPS: dict[str, str] = {S.CONFIRMED: "confirmed_at", S.DELIVERED: "delivered_at", S.CANCELLED: "cancelled_at"}


def write(order: Order, changed: tuple[str, ...]) -> None:
    """Save the fields a caller changed on a locked order when no transition wrote them."""
    if changed:
        order.save(update_fields=[*changed, "updated_at"])


def transition(order: Order, to_status: str, *, reason: str = "", also: tuple[str, ...] = ()) -> None:
    """Move the order (locked by the caller) to `to_status`, record and publish it.
    Writes the status and its moment; `also` names other fields the caller changed with it."""
    if to_status not in ALLOWED[order.status]:
        raise IllegalTransition(order, to_status)
    now = timezone.now()
    from_status = order.status
    order.status = to_status
    fields = ["status", "updated_at", *also]
    stamp = _STAMPS.get(to_status)
    if stamp:
        setattr(order, stamp, now)
        fields.append(stamp)
    order.save(update_fields=fields)
    OrderTransition.objects.create(order=order, from_status=from_status, to_status=to_status, reason=reason, at=now)
    publish(
        OrderStatusChanged(
            order_id=order.id,
            customer_id=order.customer_id,
            store_id=order.store_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            at=now,
        ),
        key=order.id,
    )
    live.announce(order)
