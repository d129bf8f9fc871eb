"""The process manager: what each leg's outcome does to the order.

Each function is called by a handler of another app's event, in that handler's
transaction (joined without a savepoint: a failure fails the handler, whose delivery
rolls back as a whole). They lock the order (the legs' handlers run concurrently), move only
forward, and are idempotent: a redelivered or late event changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction

from shop.eventbus import publish

from .. import live
from ..events import OrderConfirmed
from ..models import Order
from .cancellation import cancel_locked, failed_attempts_detail
from .placement import line_item
from .state import lock, transition, write

S = Order.Status


@transaction.atomic(savepoint=False)
def record_stock_reserved(*, order_id: UUID, reservation_id: UUID) -> Order:
    """Inventory holds the order's stock."""
    order = lock(order_id)
    if order.stock_state == Order.StockState.PENDING:
        order.stock_state = Order.StockState.RESERVED
        order.reservation_id = reservation_id
        _advance(order, changed=("stock_state", "reservation_id"))
    return order


@transaction.atomic(savepoint=False)
def record_stock_failed(*, order_id: UUID, reason: str) -> Order:
    """Inventory could not reserve: the order is cancelled."""
    order = lock(order_id)
    changed: tuple[str, ...] = ()
    if order.stock_state == Order.StockState.PENDING:
        order.stock_state = Order.StockState.FAILED
        changed = ("stock_state",)
    _cancel_if_open(order, "store_closed" if reason == "store_closed" else "out_of_stock", changed=changed)
    return order


@transaction.atomic(savepoint=False)
def record_stock_expired(*, order_id: UUID) -> Order:
    """Inventory let the checkout's hold lapse: an order still waiting for payment cannot be confirmed."""
    order = lock(order_id)
    changed: tuple[str, ...] = ()
    if order.stock_state == Order.StockState.RESERVED:
        order.stock_state = Order.StockState.RELEASED
        changed = ("stock_state",)
    waiting_for_money = order.payment_method == Order.PaymentMethod.RAZORPAY
    reason = "payment_timeout" if waiting_for_money else "confirmation_timeout"
    _cancel_if_open(order, reason, detail=failed_attempts_detail(order), changed=changed)
    return order


@transaction.atomic(savepoint=False)
def _move_leg(order_id: UUID, leg: str, *, from_states: tuple[str, ...], to_state: str) -> Order:
    """A leg's news that changes only its state (`stock_state`, `slot_state`), forward only."""
    order = lock(order_id)
    if getattr(order, leg) in from_states:
        setattr(order, leg, to_state)
        write(order, (leg,))
    return order


def record_stock_released(*, order_id: UUID) -> Order:
    """Inventory put the order's held stock back on sale (the order was cancelled)."""
    pending, reserved = Order.StockState.PENDING, Order.StockState.RESERVED
    return _move_leg(order_id, "stock_state", from_states=(pending, reserved), to_state=Order.StockState.RELEASED)


def record_stock_committed(*, order_id: UUID) -> Order:
    """The picked goods left the shelf for this order (the unpicked rest went back on sale)."""
    reserved = (Order.StockState.RESERVED,)
    return _move_leg(order_id, "stock_state", from_states=reserved, to_state=Order.StockState.COMMITTED)


def record_slot_released(*, order_id: UUID) -> Order:
    """Delivery freed the order's slot (the order was cancelled)."""
    pending, booked = Order.SlotState.PENDING, Order.SlotState.BOOKED
    return _move_leg(order_id, "slot_state", from_states=(pending, booked), to_state=Order.SlotState.RELEASED)


@transaction.atomic(savepoint=False)
def record_slot_booked(*, order_id: UUID, booking_id: UUID, starts_at: datetime, ends_at: datetime) -> Order:
    """Delivery booked the order's slot."""
    order = lock(order_id)
    if order.slot_state == Order.SlotState.PENDING:
        order.slot_state = Order.SlotState.BOOKED
        order.booking_id = booking_id
        order.slot_starts_at, order.slot_ends_at = starts_at, ends_at
        _advance(order, changed=("slot_state", "booking_id", "slot_starts_at", "slot_ends_at"))
    return order


@transaction.atomic(savepoint=False)
def record_slot_failed(*, order_id: UUID, reason: str) -> Order:
    """Delivery could not book the slot (full, past cut-off, not serviceable): cancelled."""
    order = lock(order_id)
    changed: tuple[str, ...] = ()
    if order.slot_state == Order.SlotState.PENDING:
        order.slot_state = Order.SlotState.FAILED
        changed = ("slot_state",)
    _cancel_if_open(order, "slot_unavailable", changed=changed)
    return order


@transaction.atomic(savepoint=False)
def record_payment_requested(
    *, order_id: UUID, intent_id: UUID, razorpay_order_id: str, key_id: str, pay_url: str = ""
) -> Order:
    """Payments created the Razorpay order: the customer can pay as soon as the stock and the
    slot are held too (see _ask_for_payment)."""
    order = lock(order_id)
    if order.payment_state == Order.PaymentState.PENDING:
        order.payment_state = Order.PaymentState.REQUESTED
    order.payment_intent_id = intent_id
    order.razorpay_order_id = razorpay_order_id
    order.razorpay_key_id = key_id
    order.pay_url = pay_url
    changed = ("payment_state", "payment_intent_id", "razorpay_order_id", "razorpay_key_id", "pay_url")
    if not _ask_for_payment(order, changed=changed):
        write(order, changed)
    return order


@transaction.atomic(savepoint=False)
def record_payment_captured(*, order_id: UUID, amount_paise: int) -> Order:
    """The money is in (webhook or fetch). On a cancelled order payments refunds it by itself."""
    order = lock(order_id)
    if order.payment_state in (Order.PaymentState.PENDING, Order.PaymentState.REQUESTED, Order.PaymentState.FAILED):
        order.payment_state = Order.PaymentState.CAPTURED
        order.paid_paise = amount_paise
        _confirm_if_ready(order, changed=("payment_state", "paid_paise"))
    return order


@transaction.atomic(savepoint=False)
def record_payment_failed(*, order_id: UUID, reason: str, message: str = "", failed_attempts: int = 1) -> Order:
    """A payment attempt failed. Razorpay's checkout lets the customer try again on the same
    order, so the order keeps waiting for the money (until the payment window closes) unless
    ORDERS_PAYMENT_ATTEMPTS attempts have failed: then it is cancelled. A late capture of a
    cancelled order is refunded by payments. `reason` (Razorpay's code and description) goes
    on the timeline, `message` (the description) is what the customer reads."""
    order = lock(order_id)
    waiting = (Order.PaymentState.PENDING, Order.PaymentState.REQUESTED)
    if order.status not in (S.PENDING, S.AWAITING_PAYMENT) or order.payment_state not in waiting:
        return order  # paid meanwhile, or over
    order.payment_attempts_failed = max(order.payment_attempts_failed, failed_attempts)
    order.payment_error = (message or reason)[:300]
    changed: tuple[str, ...] = ("payment_attempts_failed", "payment_error")
    if order.payment_attempts_failed >= live.payment_attempts():
        order.payment_state = Order.PaymentState.FAILED
        _cancel_if_open(order, "payment_failed", detail=reason, changed=(*changed, "payment_state"))
    else:
        write(order, changed)
        live.announce(order)  # the customer's page says it failed and offers another try
    return order


def address_text(address: dict[str, str]) -> str:
    parts = [address.get(key, "") for key in ("line1", "line2", "landmark", "city", "state", "pincode")]
    return ", ".join(part for part in parts if part)


def _ask_for_payment(order: Order, *, changed: tuple[str, ...]) -> bool:
    """Move the locked order on to awaiting payment once the Razorpay order exists AND its
    stock and slot are held: the legs run at once, and a customer must not be sent to pay
    for an order that a stock or slot failure a moment later cancels (and refunds). Writes
    `changed` with the transition; returns whether it moved."""
    if (
        order.status == S.PENDING
        and order.payment_state == Order.PaymentState.REQUESTED
        and order.stock_state == Order.StockState.RESERVED
        and order.slot_state == Order.SlotState.BOOKED
    ):
        transition(order, S.AWAITING_PAYMENT, reason="payment requested", also=changed)
        return True
    return False


def _advance(order: Order, *, changed: tuple[str, ...]) -> None:
    """A leg came in: ask for the payment if that was all it waited for, else confirm if ready."""
    if not _ask_for_payment(order, changed=changed):
        _confirm_if_ready(order, changed=changed)


def _confirm_if_ready(order: Order, *, changed: tuple[str, ...]) -> None:
    """Confirm the locked order when every leg is in; `changed` fields are written either way."""
    paid = order.payment_state in (Order.PaymentState.CAPTURED, Order.PaymentState.COD)
    if (
        order.status in (S.PENDING, S.AWAITING_PAYMENT)
        and order.stock_state == Order.StockState.RESERVED
        and order.slot_state == Order.SlotState.BOOKED
        and paid
    ):
        transition(order, S.CONFIRMED, reason="stock, slot and payment in", also=changed)
        changed = ()
        publish(
            OrderConfirmed(
                order_id=order.id,
                customer_id=order.customer_id,
                store_id=order.store_id,
                slot_id=order.slot_id,
                payment_method=order.payment_method,
                lines=tuple(line_item(line) for line in order.lines.all()),
                total_paise=order.total_paise,
                recipient_name=order.address.get("name", ""),
                recipient_phone=order.address.get("phone", ""),
                address_text=address_text(order.address),
                pincode=order.pincode,
                coupon_code=order.coupon_code,
                discount_paise=order.discount_paise,
                fees_paise=order.fees_paise,
                slot_starts_at=order.slot_starts_at,
                slot_ends_at=order.slot_ends_at,
            ),
            key=order.id,
        )
    write(order, changed)


def _cancel_if_open(order: Order, reason: str, *, detail: str = "", changed: tuple[str, ...] = ()) -> None:
    """Cancel the locked order if it is still open; `changed` fields are written either way."""
    if order.status in (S.PENDING, S.AWAITING_PAYMENT):
        cancel_locked(order, reason, detail=detail, also=changed)
    else:
        write(order, changed)
