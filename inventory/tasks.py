"""Inventory's periodic work: expired reservations, expired batches, ageing stock levels, the near-expiry digest."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="inventory.release_expired_task")
def release_expired_task() -> int:
    """Release reservations whose time-to-live passed."""
    return services.release_expired_reservations()


@shared_task(name="inventory.sweep_batches_task")
def sweep_batches_task() -> dict[str, int]:
    """Write off expired batches and refresh levels of stock whose batches aged below minimum life."""
    written_off = services.write_off_expired_batches()
    moved = services.refresh_stock_levels()
    return {"written_off": written_off, "levels_changed": moved}


@shared_task(name="inventory.announce_batches_near_expiry_task")
def announce_batches_near_expiry_task() -> int:
    """Daily: each store's batches expiring within INVENTORY_NEAR_EXPIRY_DAYS, one digest per store and day."""
    return services.announce_batches_near_expiry()
