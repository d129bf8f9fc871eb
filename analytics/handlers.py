"""The analytics app's subscriptions. Each store's day is one row every order of that
store and day updates: each handler has a transaction of its own, to hold it briefly."""

from __future__ import annotations

from delivery.events import ShipmentDelivered, ShipmentPicked
from orders.events import OrderCancelled, OrderConfirmed
from shop.eventbus import subscriber

from . import services


@subscriber(OrderConfirmed, own_transaction=True)
def count_confirmed_order(event: OrderConfirmed) -> None:
    services.count_confirmed(
        store_id=event.store_id, total_paise=event.total_paise, cash_on_delivery=event.payment_method == "cod"
    )


@subscriber(OrderCancelled, own_transaction=True)
def count_cancelled_order(event: OrderCancelled) -> None:
    services.count_cancelled(store_id=event.store_id, reason=event.reason)


@subscriber(ShipmentDelivered, own_transaction=True)
def count_delivered_order(event: ShipmentDelivered) -> None:
    services.count_delivered(store_id=event.store_id)


@subscriber(ShipmentPicked, own_transaction=True)
def count_picked_shipment(event: ShipmentPicked) -> None:
    services.count_picked(store_id=event.store_id, outcomes=[line.outcome for line in event.lines])
