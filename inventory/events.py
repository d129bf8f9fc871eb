"""The events the inventory app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shop.events import Event, Pincode


class StoreUpdated(Event):
    """A dark store was opened or changed; its full current state."""

    name: ClassVar[str] = "inventory.store_updated.v1"
    store_id: UUID
    code: str
    title: str
    address: str
    city: str
    pincode: Pincode
    is_open: bool
    latitude: float | None = None
    longitude: float | None = None


class StockLevelChanged(Event):
    """What a store can sell of a SKU changed (for the catalog's and the cart's availability)."""

    name: ClassVar[str] = "inventory.stock_level_changed.v1"
    store_id: UUID
    sku_id: UUID
    available: int = Field(ge=0, description="Sellable quantity in the SKU's base unit")
    in_stock: bool
