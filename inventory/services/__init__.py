"""Inventory use cases: the only code that writes, each in one transaction, publishing its events."""

from ._core import MAX_QUANTITY_PER_MOVE, Line, LineRequest, reservation_ttl_seconds
from .expiry import announce_batches_near_expiry, near_expiry_days
from .picking import commit_stock
from .reservations import (
    ReservationOutcome,
    hold_for_fulfilment,
    release_expired_reservations,
    release_stock,
    reserve_stock,
)
from .skus import discontinue_skus, upsert_skus
from .stock import (
    adjust_stock,
    receive_stock,
    refresh_stock_levels,
    set_low_stock_threshold,
    write_off_expired_batches,
)
from .stores import create_store, update_store

__all__ = [
    "MAX_QUANTITY_PER_MOVE",
    "Line",
    "LineRequest",
    "ReservationOutcome",
    "adjust_stock",
    "announce_batches_near_expiry",
    "commit_stock",
    "create_store",
    "discontinue_skus",
    "hold_for_fulfilment",
    "near_expiry_days",
    "receive_stock",
    "refresh_stock_levels",
    "release_expired_reservations",
    "release_stock",
    "reservation_ttl_seconds",
    "reserve_stock",
    "set_low_stock_threshold",
    "update_store",
    "upsert_skus",
    "write_off_expired_batches",
]
