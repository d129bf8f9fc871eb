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

from ..events import OrderConfirmed
from ..models import Order
from .placement import line_item
from .state import lock, transition

S = Order.Status


@transaction.atomic(savepoint=False)
def record_stock_reserved(*, order_id: UUID, reservation_id: UUID) -> Order:
    """Inventory holds the order's stock."""
    order = lock(order_id)
    if order.stock_state == Order.StockState.PENDING:
        order.stock_state = Order.StockState.RESERVED
        order.reservation_id = reservation_id
        order.save(update_fields=["stock_state", "reservation_id", "updated_at"])
        _confirm_if_ready(order)
    return order


@transaction.atomic(savepoint=False)
def record_stock_failed(*, order_id: UUID, reason: str) -> Order:
    """Inventory could not reserve: the order is cancelled."""
    order = lock(order_id)
    if order.stock_state == Order.StockState.PENDING:
        order.stock_state = Order.StockState.FAILED
        order.save(update_fields=["stock_state", "updated_at"])
    _cancel_if_open(order, "store_closed" if reason == "store_closed" else "out_of_stock")
    return order


@transaction.atomic(savepoint=False)
def record_stock_expired(*, order_id: UUID) -> Order:
    """Inventory let the checkout's hold lapse: an order still waiting for payment cannot be confirmed."""
    order = lock(order_id)
    if order.stock_state == Order.StockState.RESERVED:
        order.stock_state = Order.StockState.RELEASED
        order.save(update_fields=["stock_state", "updated_at"])
    waiting_for_money = order.payment_method == Order.PaymentMethod.RAZORPAY
    _cancel_if_open(order, "payment_timeout" if waiting_for_money else "confirmation_timeout")
    return order


@transaction.atomic(savepoint=False)
def record_slot_booked(*, order_id: UUID, booking_id: UUID, starts_at: datetime, ends_at: datetime) -> Order:
    """Delivery booked the order's slot."""
    order = lock(order_id)
    if order.slot_state == Order.SlotState.PENDING:
        order.slot_state = Order.SlotState.BOOKED
        order.booking_id = booking_id
        order.slot_starts_at, order.slot_ends_at = starts_at, ends_at
        order.save(update_fields=["slot_state", "booking_id", "slot_starts_at", "slot_ends_at", "updated_at"])
        _confirm_if_ready(order)
    return order


@transaction.atomic(savepoint=False)
def record_slot_failed(*, order_id: UUID, reason: str) -> Order:
    """Delivery could not book the slot (full, past cut-off, not serviceable): cancelled."""
    order = lock(order_id)
    if order.slot_state == Order.SlotState.PENDING:
        order.slot_state = Order.SlotState.FAILED
        order.save(update_fields=["slot_state", "updated_at"])
    _cancel_if_open(order, "slot_unavailable")
    return order


@transaction.atomic(savepoint=False)
def record_payment_requested(
    *, order_id: UUID, intent_id: UUID, razorpay_order_id: str, key_id: str, pay_url: str = ""
) -> Order:
    """Payments created the Razorpay order: the customer can pay now."""
    order = lock(order_id)
    if order.payment_state == Order.PaymentState.PENDING:
        order.payment_state = Order.PaymentState.REQUESTED
    order.payment_intent_id = intent_id
    order.razorpay_order_id = razorpay_order_id
    order.razorpay_key_id = key_id
    order.pay_url = pay_url
    order.save(
        update_fields=[
            "payment_state",
            "payment_intent_id",
            "razorpay_order_id",
            "razorpay_key_id",
            "pay_url",
            "updated_at",
        ]
    )
    if order.status == S.PENDING:
        transition(order, S.AWAITING_PAYMENT, reason="payment requested")
    return order


@transaction.atomic(savepoint=False)
def record_payment_captured(*, order_id: UUID, amount_paise: int) -> Order:
    """The money is in (webhook or fetch). On a cancelled order payments refunds it by itself."""
    order = lock(order_id)
    if order.payment_state in (Order.PaymentState.PENDING, Order.PaymentState.REQUESTED, Order.PaymentState.FAILED):
        order.payment_state = Order.PaymentState.CAPTURED
        order.paid_paise = amount_paise
        order.save(update_fields=["payment_state", "paid_paise", "updated_at"])
        _confirm_if_ready(order)
    return order


@transaction.atomic(savepoint=False)
def record_payment_failed(*, order_id: UUID, reason: str) -> Order:
    """The payment attempt failed: the order is cancelled (a late capture is refunded by payments)."""
    order = lock(order_id)
    if order.payment_state in (Order.PaymentState.PENDING, Order.PaymentState.REQUESTED):
        order.payment_state = Order.PaymentState.FAILED
        order.save(update_fields=["payment_state", "updated_at"])
        _cancel_if_open(order, "payment_failed", detail=reason)
    return order


def address_text(address: dict[str, str]) -> str:
    parts = [address.get(key, "") for key in ("line1", "line2", "landmark", "city", "state", "pincode")]
    return ", ".join(part for part in parts if part)


def _confirm_if_ready(order: Order) -> None:
    paid = order.payment_state in (Order.PaymentState.CAPTURED, Order.PaymentState.COD)
    if (
        order.status in (S.PENDING, S.AWAITING_PAYMENT)
        and order.stock_state == Order.StockState.RESERVED
        and order.slot_state == Order.SlotState.BOOKED
        and paid
    ):
        transition(order, S.CONFIRMED, reason="stock, slot and payment in")
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
            ),
            key=order.id,
        )


def _cancel_if_open(order: Order, reason: str, *, detail: str = "") -> None:
    from .cancellation import cancel_locked

    if order.status in (S.PENDING, S.AWAITING_PAYMENT):
        cancel_locked(order, reason, detail=detail)
