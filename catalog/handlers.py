"""The catalog's reactions to other apps' events (thin: each calls one service)."""

from __future__ import annotations

from inventory.events import StockLevelChanged, StoreUpdated
from shop.eventbus import subscriber

from . import services


@subscriber(StockLevelChanged)
def record_availability(event: StockLevelChanged) -> None:
    """Keep whether the store can sell the SKU, for listings and the in-stock filter."""
    services.record_stock_level(
        store_id=event.store_id, sku_id=event.sku_id, available=event.available, in_stock=event.in_stock
    )


@subscriber(StoreUpdated)
def record_store(event: StoreUpdated) -> None:
    """Keep the store's name, for the admin's price overrides and the store= filter."""
    services.record_store(
        store_id=event.store_id,
        code=event.code,
        title=event.title,
        city=event.city,
        pincode=event.pincode,
        is_open=event.is_open,
    )
