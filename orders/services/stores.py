"""Orders' projection of inventory's stores (names for the staff screens)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from ..models import Store


@transaction.atomic
def record_store(*, store_id: UUID, code: str, title: str, announced_at: datetime) -> bool:
    """Keep a store's code and title as inventory announced them at `announced_at`, unless a
    later announcement is kept already; idempotent. Returns whether this one was applied."""
    # StoreUpdated carries the store's full state but no version. The bus delivers one
    # store's events in publish order, except a replayed dead letter, which arrives after
    # its successors: the publish time (inventory publishes under the store's row lock, so
    # it grows with each change) tells that stale state from a newer one.
    newer = Store.objects.filter(store_id=store_id, announced_at__lte=announced_at)
    if newer.update(code=code, title=title, announced_at=announced_at, updated_at=timezone.now()):
        return True
    _, created = Store.objects.get_or_create(
        store_id=store_id, defaults={"code": code, "title": title, "announced_at": announced_at}
    )
    return created
