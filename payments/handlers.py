"""The payments app's subscriptions to other apps' events (thin: call a service)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from delivery.events import ShipmentDelivered
from orders.events import OrderAdjusted, OrderCancelled, OrderPlaced
from shop.eventbus import PermanentError, subscriber

from . import services
from .errors import PaymentRefused
from .events import RefundRequested


@subscriber(ShipmentDelivered)
def settle_cash_on_delivery(event: ShipmentDelivered) -> None:
    """Cash collected at the door settles the order's cash-on-delivery intent."""
    if event.cash_collected_paise <= 0:
        return
    try:
        services.settle_cash_on_delivery(
            order_id=event.order_id, cash_collected_paise=event.cash_collected_paise, collected_at=event.delivered_at
        )
    except PaymentRefused as exc:
        raise PermanentError(str(exc)) from exc


# --- The checkout saga: orders asks, payments answers with its own events ------------------


class PaymentNotRequestedYet(Exception):
    """The order's cancellation overtook its payment request (two subscribers): retry shortly."""


@subscriber(OrderPlaced, own_transaction=True)
def request_payment_for_order(event: OrderPlaced) -> None:
    """Open the order's intent: a Razorpay order for prepaid (PaymentRequested), or cash on delivery."""
    try:
        services.request_payment(
            order_id=event.order_id,
            amount_paise=event.total_paise,
            customer_id=event.customer_id,
            method=event.payment_method,
        )
    except (PaymentRefused, ValidationError) as exc:  # the order cannot be paid as it stands
        raise PermanentError(str(exc)) from exc


@subscriber(OrderCancelled, own_transaction=True, backoff=2)
def refund_or_void_cancelled_order(event: OrderCancelled) -> None:
    """The order is no longer payable: captured money is refunded, a late payment will be."""
    try:
        services.cancel_payment(order_id=event.order_id, reason=event.reason)
    except PaymentRefused as exc:
        if exc.code == "not_found":
            raise PaymentNotRequestedYet(str(exc)) from exc
        raise PermanentError(str(exc)) from exc


@subscriber(OrderAdjusted, own_transaction=True)
def refund_picking_adjustment(event: OrderAdjusted) -> None:
    """Prepaid orders get the shortfall back; cash-on-delivery customers simply pay less at the door."""
    if event.payment_method == "cod":
        services.set_cash_due(order_id=event.order_id, amount_paise=event.final_total_paise)
        return
    if event.refund_paise == 0:
        return
    if event.refund_paise < services.MIN_REFUND_PAISE:  # a few grams light: too little for Razorpay
        services.note_refund_below_minimum(
            order_id=event.order_id, amount_paise=event.refund_paise, reason="items lighter at picking"
        )
        return
    try:
        services.refund_payment(
            order_id=event.order_id,
            amount_paise=event.refund_paise,
            idempotency_key=f"adjustment-{event.order_id}",
            reason="items short or lighter at picking",
        )
    except (PaymentRefused, ValidationError) as exc:
        raise PermanentError(str(exc)) from exc


@subscriber(RefundRequested, own_transaction=True)
def send_requested_refund(event: RefundRequested) -> None:
    """Ask Razorpay for a refund written down inside another transaction (a handler's), now
    that it has committed: the row and its idempotency key are there to retry with, and
    Razorpay's webhooks find it. A refund already sent (staff's, at once) is left alone."""
    services.send_refund(refund_id=event.refund_id)
