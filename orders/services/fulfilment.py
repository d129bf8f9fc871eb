"""After confirmation: the shipment's progress moves the order, and picking may owe money back.

Called by handlers, in their transaction (joined without a savepoint, as in saga.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog
from django.db import transaction

from shop.eventbus import publish
from shop.money import line_total_paise

from .. import live
from ..events import AdjustedLine, OrderAdjusted
from ..models import Invoice, Order, OrderLine, OrderRefund
from .cancellation import cancel_locked
from .discounts import discount_share_paise
from .invoicing import issue_credit_note, issue_invoice
from .state import lock, transition, write

S = Order.Status
log = structlog.get_logger("orders")


@dataclass(frozen=True)
class PickedLineInput:
    sku_id: UUID
    quantity_picked: int
    replacement_sku_id: UUID | None = None
    quantity_replaced: int = 0


@transaction.atomic(savepoint=False)
def record_shipment_created(*, order_id: UUID, shipment_id: UUID, tracking_code: str) -> Order:
    """The store has the pick list: the order is being picked."""
    order = lock(order_id)
    changed: tuple[str, ...] = ()
    if order.shipment_id is None:
        order.shipment_id, order.tracking_code = shipment_id, tracking_code
        changed = ("shipment_id", "tracking_code")
    if not advance(order, S.PICKING, reason="shipment created", also=changed):
        write(order, changed)
    return order


_PICKED_FIELDS = ("picked_quantity", "outcome", "refund_paise", "replaced_quantity", "replacement_paise")


@transaction.atomic(savepoint=False)
def record_picked(*, order_id: UUID, lines: list[PickedLineInput]) -> Order:
    """What was found: shortfalls and lighter weights become one adjustment owed back."""
    order = lock(order_id)
    if order.status not in (S.CONFIRMED, S.PICKING) or order.adjustment_paise:
        return order  # cancelled meanwhile, or already adjusted (a redelivery)
    picked = {line.sku_id: line for line in lines}
    adjusted: list[AdjustedLine] = []
    lines_of_order = list(order.lines.all())
    for line in lines_of_order:
        pick = picked.get(line.sku_id)
        line.picked_quantity = pick.quantity_picked if pick else 0
        found = min(line.picked_quantity, line.quantity)  # heavier than ordered costs the customer nothing
        found_paise = line_total_paise(sold_by=line.sold_by, unit_price_paise=line.unit_price_paise, quantity=found)
        line.replaced_quantity, replacement_paise = _replacement(order, line, pick)
        line.replacement_paise = min(replacement_paise, line.line_total_paise - found_paise)
        # The customer paid the line net of its discount share: what is kept (found and
        # replacement, gross) keeps the same share of the discount, the rest comes back. A line
        # kept in full refunds nothing, one not found at all exactly what was paid for it.
        kept_paise = found_paise + line.replacement_paise
        net_kept = kept_paise - discount_share_paise(
            discount_paise=line.discount_paise, line_total_paise=line.line_total_paise, kept_paise=kept_paise
        )
        refund = line.line_total_paise - line.discount_paise - net_kept
        line.outcome = (
            OrderLine.Outcome.FOUND
            if line.picked_quantity == line.quantity
            else OrderLine.Outcome.REPLACED
            if line.replaced_quantity
            else OrderLine.Outcome.WEIGHED
            if line.sold_by == "weight" and line.picked_quantity > 0
            else OrderLine.Outcome.SHORT
        )
        line.refund_paise = refund
        line.save(update_fields=[*_PICKED_FIELDS])
        # Every line found short is announced, even where its refund rounds to nothing: a
        # cash-on-delivery shipment with a short line waits for this event before it leaves.
        if line.picked_quantity < line.quantity:
            adjusted.append(
                AdjustedLine(
                    line_id=line.id,
                    sku_id=line.sku_id,
                    quantity_ordered=line.quantity,
                    quantity_picked=line.picked_quantity,
                    refund_paise=refund,
                    name=line.name,
                    sold_by=line.sold_by,
                    replacement_sku_id=pick.replacement_sku_id if pick and line.replaced_quantity else None,
                    replacement_name=line.offer_name if line.replaced_quantity else "",
                    quantity_replaced=line.replaced_quantity or 0,
                    replacement_paise=line.replacement_paise,
                )
            )
    if not any(line.picked_quantity or line.replaced_quantity for line in lines_of_order):
        # Nothing on the shelf after all: there is nothing to deliver, so the customer pays
        # nothing, fees included. The cancellation refunds (or voids the cash) in full.
        cancel_locked(order, "out_of_stock", detail="nothing could be picked")
        live.announce(order)
        return order
    advance(order, S.PICKING, reason="picked")
    if adjusted:
        order.adjustment_paise = sum(a.refund_paise for a in adjusted)
        order.save(update_fields=["adjustment_paise", "updated_at"])
        publish(
            OrderAdjusted(
                order_id=order.id,
                customer_id=order.customer_id,
                payment_method=order.payment_method,
                lines=tuple(adjusted),
                refund_paise=order.adjustment_paise,
                final_total_paise=order.final_total_paise,
            ),
            key=order.id,
        )
        live.announce(order)  # the page shows the new total and what comes back
    return order


def _replacement(order: Order, line: OrderLine, pick: PickedLineInput | None) -> tuple[int | None, int]:
    """How much of a replacement went in the line's place (None: none) and what it costs: the
    offer's checkout price, never above the line's own, for at most the shortfall (a heavier
    weighed replacement, like a heavier weighed item, costs nothing more)."""
    if pick is None or pick.replacement_sku_id is None or pick.quantity_replaced <= 0:
        return None, 0
    if pick.replacement_sku_id != line.offer_sku_id or line.offer_unit_price_paise is None:
        # The pick list offers only the order's own offer: anything else went in unasked,
        # and is not charged.
        log.warning(
            "orders.unoffered_replacement",
            order_id=str(order.id),
            line_id=str(line.id),
            replacement_sku_id=str(pick.replacement_sku_id),
        )
        return pick.quantity_replaced, 0
    shortfall = line.quantity - min(pick.quantity_picked, line.quantity)
    price = min(line.offer_unit_price_paise, line.unit_price_paise)
    charged = min(pick.quantity_replaced, shortfall)
    return pick.quantity_replaced, line_total_paise(sold_by=line.sold_by, unit_price_paise=price, quantity=charged)


#: The way forward after confirmation. The shipment's events reach the order's
#: handlers concurrently (one subscriber each), so "packed" may arrive before
#: "shipment created": the order walks through the steps it skipped.
FORWARD = (S.CONFIRMED, S.PICKING, S.PACKED, S.OUT_FOR_DELIVERY, S.DELIVERED)


def advance(order: Order, target: str, *, reason: str, also: tuple[str, ...] = ()) -> bool:
    """Walk a locked order forward to `target`; False if it is already there, past it, or off
    the path. `also` names fields the caller changed, written with the first step."""
    if order.status not in FORWARD or FORWARD.index(order.status) >= FORWARD.index(target):
        return False
    for step in FORWARD[FORWARD.index(order.status) + 1 : FORWARD.index(target) + 1]:
        transition(order, step, reason=reason if step == target else f"{reason} (implied)", also=also)
        also = ()
    return True


@transaction.atomic(savepoint=False)
def record_packed(*, order_id: UUID) -> Order:
    order = lock(order_id)
    advance(order, S.PACKED, reason="packed")
    return order


@transaction.atomic(savepoint=False)
def record_out_for_delivery(*, order_id: UUID, attempt: int) -> Order:
    order = lock(order_id)
    advance(order, S.OUT_FOR_DELIVERY, reason=f"out for delivery (attempt {attempt})")
    return order


@transaction.atomic(savepoint=False)
def record_delivered(*, order_id: UUID, delivered_at: datetime, cash_collected_paise: int = 0) -> Order:
    order = lock(order_id)
    if advance(order, S.DELIVERED, reason="delivered"):
        if order.payment_method == Order.PaymentMethod.COD:
            order.payment_state = Order.PaymentState.COLLECTED
            order.paid_paise = cash_collected_paise
        order.delivered_at = delivered_at
        order.save(update_fields=["delivered_at", "payment_state", "paid_paise", "updated_at"])
        issue_invoice(order=order)
    return order


@transaction.atomic(savepoint=False)
def record_delivery_failed(*, order_id: UUID, reason: str) -> Order:
    """A failed attempt: back to packed for another try (or for the return to the store)."""
    order = lock(order_id)
    if order.status == S.OUT_FOR_DELIVERY:
        transition(order, S.PACKED, reason=f"delivery attempt failed: {reason}")
    return order


#: Where an order with a shipment may be when its shipment goes back to the store.
RETURNABLE = frozenset({S.CONFIRMED, S.PICKING, S.PACKED, S.OUT_FOR_DELIVERY})


@transaction.atomic(savepoint=False)
def record_shipment_returned(*, order_id: UUID) -> Order:
    """The shipment went back to the store: the order cannot be delivered, so it is cancelled
    and the other apps undo their part (stock, slot, money).

    A failed attempt has usually moved the order back to packed by now, but the shipment's
    events reach the order's handlers concurrently, so it may still be anywhere after
    confirmation; delivered or cancelled stays as it is."""
    order = lock(order_id)
    if order.status in RETURNABLE:
        cancel_locked(order, "delivery_failed", detail="returned to the store")
    return order


@transaction.atomic(savepoint=False)
def record_refund(
    *,
    order_id: UUID,
    refund_id: UUID,
    amount_paise: int,
    status: str,
    bank_reference: str = "",
    reason: str = "",
    at: datetime,
) -> Order:
    """Payments reports a refund requested (with its reason), then processed (with the bank
    reference) or failed; each news once, never going back from an outcome to requested.
    Money refunded in full makes the order's payment state `refunded`."""
    order = lock(order_id)
    refund, created = OrderRefund.objects.get_or_create(
        refund_id=refund_id,
        defaults={
            "order": order,
            "amount_paise": amount_paise,
            "status": status,
            "bank_reference": bank_reference,
            "reason": reason,
            "at": at,
            "after_invoice": Invoice.objects.filter(order=order).exists(),
        },
    )
    if not created and status not in (refund.status, "requested"):
        refund.status, refund.bank_reference, refund.at = status, bank_reference or refund.bank_reference, at
        refund.reason = refund.reason or reason[:200]  # why it was asked for; else why it failed
        refund.save()
    if refund.status == "processed":
        issue_credit_note(refund=refund)  # money back after the invoice: the invoice is reduced
    order.refunded_paise = sum(r.amount_paise for r in order.refunds.filter(status="processed"))
    changed = ["refunded_paise", "updated_at"]
    if (
        order.payment_state == Order.PaymentState.CAPTURED
        and order.paid_paise > 0
        and order.refunded_paise >= order.paid_paise
    ):
        order.payment_state = Order.PaymentState.REFUNDED
        changed.append("payment_state")
    order.save(update_fields=changed)
    live.announce(order)  # the customer watching the order sees the refund arrive
    return order
