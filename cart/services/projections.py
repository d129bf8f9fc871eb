"""Keep the cart's copies of other apps' facts (called by handlers.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction

from ..models import Availability, DeliverySlot, Sku, StorePrice, Zone, ZonePincode


@transaction.atomic
def upsert_skus(*, skus: Iterable[Any]) -> None:
    """Store the SKUs of a published or updated product (catalog's SkuSnapshot)."""
    for snapshot in skus:
        Sku.objects.update_or_create(
            sku_id=snapshot.sku_id,
            defaults={
                "product_id": snapshot.product_id,
                "name": snapshot.name,
                "brand": snapshot.brand,
                "sold_by": snapshot.sold_by,
                "step": snapshot.step,
                "pack_label": snapshot.pack_label,
                "price_paise": snapshot.price_paise,
                "mrp_paise": snapshot.mrp_paise,
                "max_per_order": snapshot.max_per_order,
                "hsn_code": snapshot.hsn_code,
                "gst_rate_bp": snapshot.gst_rate_bp,
                "is_active": snapshot.is_active,
                "image_url": snapshot.image_url,
            },
        )


@transaction.atomic
def apply_price(*, sku_id: UUID, store_id: UUID | None, price_paise: int | None, mrp_paise: int) -> None:
    """A base price (store None) or a store's override (None price: override removed)."""
    if store_id is None:
        Sku.objects.filter(sku_id=sku_id).update(price_paise=price_paise, mrp_paise=mrp_paise)
    elif price_paise is None:
        StorePrice.objects.filter(store_id=store_id, sku_id=sku_id).delete()
    else:
        StorePrice.objects.update_or_create(store_id=store_id, sku_id=sku_id, defaults={"price_paise": price_paise})
        Sku.objects.filter(sku_id=sku_id).update(mrp_paise=mrp_paise)


@transaction.atomic
def discontinue_skus(*, sku_ids: Iterable[UUID]) -> None:
    Sku.objects.filter(sku_id__in=list(sku_ids)).update(is_active=False)


@transaction.atomic
def apply_stock_level(*, store_id: UUID, sku_id: UUID, available: int, in_stock: bool) -> None:
    Availability.objects.update_or_create(
        store_id=store_id, sku_id=sku_id, defaults={"available": available, "in_stock": in_stock}
    )


@transaction.atomic
def apply_slot(
    *, slot_id: UUID, zone_id: UUID, store_id: UUID, mode: str, starts_at: Any, ends_at: Any, cutoff_at: Any
) -> None:
    DeliverySlot.objects.update_or_create(
        slot_id=slot_id,
        defaults={
            "zone_id": zone_id,
            "store_id": store_id,
            "mode": mode,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "cutoff_at": cutoff_at,
        },
    )


def apply_zone(
    *, zone_id: UUID, store_id: UUID, title: str, is_active: bool, pincodes: Iterable[str], fee_policy: dict[str, Any]
) -> None:
    """A zone's state: its pincodes move to it (a pincode belongs to one zone)."""
    zone, _ = Zone.objects.update_or_create(
        zone_id=zone_id,
        defaults={"store_id": store_id, "title": title, "is_active": is_active, "fee_policy": fee_policy},
    )
    pincodes = list(pincodes)
    ZonePincode.objects.filter(zone=zone).exclude(pincode__in=pincodes).delete()
    for pincode in pincodes:
        ZonePincode.objects.update_or_create(pincode=pincode, defaults={"zone": zone})
