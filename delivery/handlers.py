"""The delivery app's subscriptions to other apps' events (thin: call a service)."""

from __future__ import annotations

from inventory.events import StoreUpdated
from shop.eventbus import subscriber

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
