"""The SKU projection: what inventory needs of the catalog's SKUs, kept from its product events."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from catalog.events import SkuSnapshot

from ..models import Sku, Stock
from ._core import lock_stock_ids, sync_levels

# A change of one of these changes what a store can sell.
_LEVEL_FIELDS = ("min_life_on_delivery_days", "is_active")


def upsert_skus(*, skus: Iterable[SkuSnapshot]) -> list[Sku]:
    """Store the SKUs' current state; re-level their stocks if sellability rules changed."""
    saved = []
    relevel: list[UUID] = []
    with transaction.atomic():
        for snapshot in skus:
            values = {
                "product_id": snapshot.product_id,
                "sku_code": snapshot.sku_code,
                "name": snapshot.name,
                "base_unit": snapshot.base_unit,
                "step": snapshot.step,
                "shelf_life_days": snapshot.shelf_life_days,
                "min_life_on_delivery_days": snapshot.min_life_on_delivery_days,
                "storage": snapshot.storage,
                "is_active": snapshot.is_active,
            }
            before = Sku.objects.filter(pk=snapshot.sku_id).values(*_LEVEL_FIELDS).first()
            sku, _ = Sku.objects.update_or_create(sku_id=snapshot.sku_id, defaults=values)
            if before is not None and any(before[field] != values[field] for field in _LEVEL_FIELDS):
                relevel.append(sku.sku_id)
            saved.append(sku)
        _relevel(relevel)
    return saved


def discontinue_skus(*, sku_ids: Iterable[UUID]) -> int:
    """Mark SKUs as no longer sold: their stock stops being sellable (levels drop to 0)."""
    ids = list(sku_ids)
    with transaction.atomic():
        changed = list(Sku.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        Sku.objects.filter(pk__in=changed).update(is_active=False)
        _relevel(changed)
    return len(changed)


def _relevel(sku_ids: list[UUID]) -> None:
    if not sku_ids:
        return
    stock_ids = Stock.objects.filter(sku_id__in=sku_ids).values_list("pk", flat=True)
    sync_levels(lock_stock_ids(stock_ids), today=timezone.localdate())
