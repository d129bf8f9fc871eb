"""Orders' projection of inventory's stores (names for the staff screens)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shop.db import keep_latest

from ..models import Store


@transaction.atomic
def record_store(*, store_id: UUID, code: str, title: str, announced_at: datetime) -> bool:
    """Keep a store's code and title as inventory announced them at `announced_at`, unless a
    later announcement is kept already; idempotent. Returns whether this one was applied.
    (StoreUpdated has the store's full state and no version: see shop.db.keep_latest.)"""
    return keep_latest(
        Store,
        {"store_id": store_id},
        stamp="announced_at",
        code=code,
        title=title,
        announced_at=announced_at,
        updated_at=timezone.now(),  # update() leaves auto_now alone
    )
