"""The analytics app's subscriptions. Each store's day is one row every order of that
store and day updates: each handler has a transaction of its own, to hold it briefly.

Facts count on the day (and hour) they happened, not the day they are handled: an order
confirmed at 23:59 and handled after midnight (a backlog, a retry) is the old day's."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from delivery.events import ShipmentDelivered, ShipmentPicked, SlotOpened
from inventory.events import BatchExpired, StockLevelChanged, StoreUpdated
from orders.events import OrderCancelled, OrderConfirmed
from payments.events import PaymentRefunded
from shop.eventbus import current_event_occurred_at, subscriber

from . import services


@subscriber(OrderConfirmed, own_transaction=True)
def count_confirmed_order(event: OrderConfirmed) -> None:
    # The order's store, for its refunds (PaymentRefunded names only the order); an order
    # never confirmed had no GMV here, and its refunds count nowhere either. Its slot, for
    # its cancellation to give its place back.
    at = current_event_occurred_at()
    services.record_order_store(order_id=event.order_id, store_id=event.store_id, slot_id=event.slot_id)
    services.count_confirmed(
        store_id=event.store_id,
        total_paise=event.total_paise,
        cash_on_delivery=event.payment_method == "cod",
        discount_paise=event.discount_paise,
        at=at,
    )
    # Slot utilisation and demand ride on this delivery (one statement each), not on
    # subscriptions to the slot's booking or the stock's reservation: no delivery per order more.
    services.count_slot_booking(
        slot_id=event.slot_id, store_id=event.store_id, starts_at=event.slot_starts_at, ends_at=event.slot_ends_at
    )
    services.count_demand(
        store_id=event.store_id,
        lines=[
            services.DemandLine(
                sku_id=line.sku_id,
                name=line.name,
                sold_by=line.sold_by,
                quantity=line.quantity,
                unit_price_paise=line.unit_price_paise,
                paid_paise=line.line_total_paise - line.discount_paise,
            )
            for line in event.lines
        ],
        day=_day_of(at),
    )


@subscriber(OrderCancelled, own_transaction=True)
def count_cancelled_order(event: OrderCancelled) -> None:
    services.count_cancelled(
        store_id=event.store_id,
        reason=event.reason,
        day=_day_of(current_event_occurred_at()),
        payment_method=event.payment_method,
        order_id=event.order_id,
    )


@subscriber(ShipmentDelivered, own_transaction=True)
def count_delivered_order(event: ShipmentDelivered) -> None:
    services.count_delivered(
        store_id=event.store_id,
        day=_day_of(event.delivered_at),
        delivered_at=event.delivered_at,
        promised_by=event.promised_by,
    )


@subscriber(ShipmentPicked, own_transaction=True)
def count_picked_shipment(event: ShipmentPicked) -> None:
    services.count_picked(
        store_id=event.store_id,
        outcomes=[line.outcome for line in event.lines],
        day=_day_of(current_event_occurred_at()),
    )


@subscriber(PaymentRefunded, own_transaction=True)
def count_refund(event: PaymentRefunded) -> None:
    services.count_refund(
        refund_id=event.refund_id,
        order_id=event.order_id,
        amount_paise=event.amount_paise,
        channel=event.channel,
        day=_day_of(event.refunded_at),
    )


def _day_of(moment: datetime) -> date:
    return timezone.localdate(moment)


@subscriber(StoreUpdated)
def name_store(event: StoreUpdated) -> None:
    """The store's code and title, so the reports name it."""
    services.record_store(
        store_id=event.store_id, code=event.code, title=event.title, announced_at=current_event_occurred_at()
    )


@subscriber(SlotOpened)
def keep_slot_capacity(event: SlotOpened) -> None:
    """The slot's window and capacity (announced when made, and again when its capacity changes)."""
    services.record_slot(
        slot_id=event.slot_id,
        store_id=event.store_id,
        zone_id=event.zone_id,
        mode=event.mode,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=event.capacity,
        announced_at=current_event_occurred_at(),
    )


@subscriber(BatchExpired, own_transaction=True)
def count_expired_batch(event: BatchExpired) -> None:
    """A batch written off: on the day inventory wrote it off (the sweep's publish time)."""
    services.count_write_off(
        store_id=event.store_id,
        sku_id=event.sku_id,
        units=event.written_off,
        day=_day_of(current_event_occurred_at()),
    )


@subscriber(StockLevelChanged)
def keep_stock_level(event: StockLevelChanged) -> None:
    """What the store can sell of the SKU, for reorder advice (announced on moves of a step, not every order)."""
    services.record_stock_level(
        store_id=event.store_id,
        sku_id=event.sku_id,
        available=event.available,
        announced_at=current_event_occurred_at(),
    )
