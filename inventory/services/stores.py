"""Dark stores: opened and changed here, announced with their full state (StoreUpdated)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from shop.eventbus import publish

from ..errors import InvalidStockRequest, NotFound
from ..events import StoreUpdated
from ..models import Store

STORE_FIELDS = ("code", "title", "address", "city", "pincode", "is_open", "latitude", "longitude")


def create_store(
    *,
    code: str,
    title: str,
    address: str,
    city: str,
    pincode: str,
    is_open: bool = True,
    latitude: float | None = None,
    longitude: float | None = None,
    store_id: UUID | None = None,
) -> Store:
    """Open a new store; publishes StoreUpdated."""
    store = Store(
        code=code,
        title=title,
        address=address,
        city=city,
        pincode=pincode,
        is_open=is_open,
        latitude=latitude,
        longitude=longitude,
    )
    if store_id is not None:
        store.id = store_id
    with transaction.atomic():
        _save(store, create=True)
        return store


def update_store(*, store_id: UUID, **changes: Any) -> Store:
    """Change a store (open/close it, move it); publishes StoreUpdated with its full state."""
    unknown = sorted(set(changes) - set(STORE_FIELDS))
    if unknown:
        raise InvalidStockRequest(f"Unknown store fields: {', '.join(unknown)}.")
    with transaction.atomic():
        store = Store.objects.select_for_update().filter(pk=store_id).first()
        if store is None:
            raise NotFound(f"No store {store_id}.")
        for field, value in changes.items():
            setattr(store, field, value)
        _save(store, create=False)
        return store


def _save(store: Store, *, create: bool) -> None:
    try:
        store.full_clean(validate_unique=True)
    except ValidationError as exc:
        fields = {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
        raise InvalidStockRequest("The store is invalid: " + ", ".join(sorted(fields)) + ".", fields=fields) from exc
    store.save(force_insert=create)
    publish(store_updated(store), key=store.id)


def store_updated(store: Store) -> StoreUpdated:
    return StoreUpdated(
        store_id=store.id,
        code=store.code,
        title=store.title,
        address=store.address,
        city=store.city,
        pincode=store.pincode,
        is_open=store.is_open,
        latitude=store.latitude,
        longitude=store.longitude,
    )
