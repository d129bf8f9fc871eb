"""Prices: the base price's history and event, and per-store overrides."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from shop.eventbus import publish
from shop.money import format_inr

from ..events import PriceChanged
from ..models import PriceHistory, Sku, StorePrice
from .cache import bump_listing_version


def record_base_price(*, sku: Sku, changed_by_id: UUID | None = None) -> None:
    """Inside the caller's transaction: keep the SKU's new base price in its history and publish it."""
    PriceHistory.objects.create(
        sku=sku, price_paise=sku.price_paise, mrp_paise=sku.mrp_paise, changed_by_id=changed_by_id
    )
    publish(
        PriceChanged(sku_id=sku.id, product_id=sku.product_id, price_paise=sku.price_paise, mrp_paise=sku.mrp_paise),
        key=sku.product_id,
    )


def set_store_price(*, sku: Sku, store_id: UUID, price_paise: int, changed_by_id: UUID | None = None) -> StorePrice:
    """Sell a SKU at its own price in one store (never above the MRP)."""
    if price_paise <= 0:
        raise ValidationError({"price_paise": ["A price must be more than zero."]})
    with transaction.atomic():
        sku = Sku.objects.select_for_update().get(pk=sku.pk)
        if price_paise > sku.mrp_paise:
            above = f"The store price cannot be above the MRP ({format_inr(sku.mrp_paise)})."
            raise ValidationError({"price_paise": [above]})
        override, created = StorePrice.objects.select_for_update().get_or_create(
            sku=sku, store_id=store_id, defaults={"price_paise": price_paise}
        )
        if not created and override.price_paise == price_paise:
            return override
        if not created:
            override.price_paise = price_paise
            override.save(update_fields=["price_paise", "updated_at"])
        PriceHistory.objects.create(
            sku=sku, store_id=store_id, price_paise=price_paise, mrp_paise=sku.mrp_paise, changed_by_id=changed_by_id
        )
        publish(
            PriceChanged(
                sku_id=sku.id, product_id=sku.product_id, store_id=store_id, price_paise=price_paise,
                mrp_paise=sku.mrp_paise,
            ),
            key=sku.product_id,
        )  # fmt: skip
        bump_listing_version(store_id=store_id)
    return override


def remove_store_price(*, sku: Sku, store_id: UUID, changed_by_id: UUID | None = None) -> bool:
    """Let a store sell at the base price again; False if it had no override."""
    with transaction.atomic():
        sku = Sku.objects.select_for_update().get(pk=sku.pk)
        deleted, _ = StorePrice.objects.filter(sku=sku, store_id=store_id).delete()
        if not deleted:
            return False
        PriceHistory.objects.create(
            sku=sku, store_id=store_id, price_paise=None, mrp_paise=sku.mrp_paise, changed_by_id=changed_by_id
        )
        publish(
            PriceChanged(sku_id=sku.id, product_id=sku.product_id, store_id=store_id, price_paise=None,
                         mrp_paise=sku.mrp_paise),
            key=sku.product_id,
        )  # fmt: skip
        bump_listing_version(store_id=store_id)
    return True
