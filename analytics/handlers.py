"""The analytics app's subscriptions. Each store's day is one row every order of that
store and day updates: each handler has a transaction of its own, to hold it briefly.

Facts count on the day (and hour) they happened, not the day they are handled: an order
confirmed at 23:59 and handled after midnight (a backlog, a retry) is the old day's."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from delivery.events import ShipmentDelivered, ShipmentPicked
from inventory.events import StoreUpdated
from orders.events import OrderCancelled, OrderConfirmed
from payments.events import PaymentRefunded
from shop.eventbus import current_event_occurred_at, subscriber

from . import services


@subscriber(OrderConfirmed, own_transaction=True)
def count_confirmed_order(event: OrderConfirmed) -> None:
    # The order's store, for its refunds (PaymentRefunded names only the order); an order
    # never confirmed had no GMV here, and its refunds count nowhere either.
    services.record_order_store(order_id=event.order_id, store_id=event.store_id)
    services.count_confirmed(
        store_id=event.store_id,
        total_paise=event.total_paise,
        cash_on_delivery=event.payment_method == "cod",
        discount_paise=event.discount_paise,
        at=current_event_occurred_at(),
    )


@subscriber(OrderCancelled, own_transaction=True)
def count_cancelled_order(event: OrderCancelled) -> None:
    services.count_cancelled(store_id=event.store_id, reason=event.reason, day=_day_of(current_event_occurred_at()))


@subscriber(ShipmentDelivered, own_transaction=True)
def count_delivered_order(event: ShipmentDelivered) -> None:
    services.count_delivered(store_id=event.store_id, day=_day_of(event.delivered_at))


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
