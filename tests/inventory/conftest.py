from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import Batch, Sku, Store

from .factories import SkuFactory, StoreFactory


@pytest.fixture
def store(db: None) -> Store:
    return StoreFactory()


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def stocked(store: Store) -> Callable[..., Sku]:
    """A SKU with `quantity` received at the store in one batch (expiring in `days`, None: never)."""

    def make(quantity: int, *, days: int | None = 30, step: int = 1, min_life: int = 0) -> Sku:
        sku = SkuFactory(step=step, min_life_on_delivery_days=min_life, base_unit="g" if step > 1 else "pcs")
        expires_on = None if days is None else timezone.localdate() + timedelta(days=days)
        services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=quantity, expires_on=expires_on)
        return sku

    return make


def batches_of(sku: Sku) -> list[tuple[str, int]]:
    return [(b.code, b.quantity) for b in Batch.objects.filter(stock__sku=sku).order_by("expires_on", "code")]
