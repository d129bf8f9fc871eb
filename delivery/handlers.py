"""The delivery app's subscriptions to other apps' events (thin: call a service)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from inventory.events import StoreUpdated
from orders.events import OrderAdjusted, OrderCancelled, OrderConfirmed, OrderPlaced
from shop.eventbus import PermanentError, subscriber

from . import services


@subscriber(StoreUpdated)
def keep_store_projection(event: StoreUpdated) -> None:
    """Remember the store inventory announced, so zones can be served from it."""
    services.record_store(
        store_id=event.store_id,
        code=event.code,
        title=event.title,
        city=event.city,
        pincode=event.pincode,
        is_open=event.is_open,
    )


# --- The checkout saga: orders asks, delivery answers with its own events ----------------


# Booking and freeing update the slot's counter, a row every checkout for that slot
# shares: each in a transaction of its own, so the row is held only for that booking.
@subscriber(OrderPlaced, own_transaction=True)
def book_slot_for_order(event: OrderPlaced) -> None:
    """Book the slot the customer chose; a refusal is published as SlotBookingFailed."""
    services.book_slot(order_id=event.order_id, slot_id=event.slot_id, pincode=event.pincode)


@subscriber(OrderConfirmed)
def open_shipment_for_order(event: OrderConfirmed) -> None:
    """The store gets the pick list of a confirmed order."""
    try:
        _open_shipment(event)
    except ValidationError as exc:  # the order's data can never make a shipment: say so, do not retry
        raise PermanentError(str(exc)) from exc


def _open_shipment(event: OrderConfirmed) -> None:
    services.create_shipment(
        order_id=event.order_id,
        customer_id=event.customer_id,
        store_id=event.store_id,
        slot_id=event.slot_id,
        lines=[
            services.LineInput(
                sku_id=line.sku_id,
                title=line.name,
                quantity=line.quantity,
                sold_by_weight=line.sold_by == "weight",
                replacement_sku_id=line.offer_sku_id,
                replacement_title=line.offer_name,
            )
            for line in event.lines
        ],
        payment_method="cod" if event.payment_method == "cod" else "prepaid",
        cod_amount_paise=event.total_paise if event.payment_method == "cod" else 0,
        recipient_name=event.recipient_name,
        recipient_phone=event.recipient_phone,
        address=event.address_text,
        pincode=event.pincode,
    )


@subscriber(OrderCancelled, own_transaction=True)
def free_slot_and_shipment_for_cancelled_order(event: OrderCancelled) -> None:
    """Give the slot's place back and stop any shipment; both idempotent."""
    services.release_slot(order_id=event.order_id)
    services.cancel_shipment_for_order(order_id=event.order_id)


@subscriber(OrderAdjusted)
def collect_adjusted_cash_on_delivery(event: OrderAdjusted) -> None:
    """Items short or lighter at picking: the rider collects the order's new total."""
    if event.payment_method == "cod":
        services.set_cash_to_collect(order_id=event.order_id, amount_paise=event.final_total_paise)
