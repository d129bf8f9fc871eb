"""The availability projection, fed by inventory's events."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction

from ..models import StockLevel, Store
from .cache import bump_listing_version


def record_stock_level(*, store_id: UUID, sku_id: UUID, available: int, in_stock: bool) -> StockLevel:
    """Keep what a store can sell of a SKU; listings of that store change only if in_stock flipped."""
    with transaction.atomic():
        level, created = StockLevel.objects.select_for_update().get_or_create(
            store_id=store_id, sku_id=sku_id, defaults={"available": available, "in_stock": in_stock}
        )
        # No row reads as out of stock, so a new row changes listings only when it is in stock.
        flipped = in_stock if created else level.in_stock != in_stock
        if not created and (level.available, level.in_stock) != (available, in_stock):
            level.available, level.in_stock = available, in_stock
            level.save(update_fields=["available", "in_stock", "updated_at"])
        if flipped:
            bump_listing_version(store_id=store_id)
    return level


def record_store(*, store_id: UUID, code: str, title: str, city: str, pincode: str, is_open: bool) -> Store:
    """Keep a store's name and state, as inventory last described it."""
    with transaction.atomic():
        store, _ = Store.objects.update_or_create(
            store_id=store_id,
            defaults={"code": code, "title": title, "city": city, "pincode": pincode, "is_open": is_open},
        )
    return store
