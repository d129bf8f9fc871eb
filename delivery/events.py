"""The events the delivery app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from shop.events import Event, Paise


class ShipmentDelivered(Event):
    """The rider handed the order over; for cash on delivery, with the cash collected."""

    name: ClassVar[str] = "delivery.shipment_delivered.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    delivered_at: datetime
    cash_collected_paise: Paise = 0
