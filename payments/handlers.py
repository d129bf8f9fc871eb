"""The payments app's subscriptions to other apps' events (thin: call a service)."""

from __future__ import annotations

from delivery.events import ShipmentDelivered
from shop.eventbus import PermanentError, subscriber

from . import services
from .errors import PaymentRefused


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
