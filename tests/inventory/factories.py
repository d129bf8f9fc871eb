"""Factories for the inventory tests: stores, projected SKUs, catalog snapshots."""

from __future__ import annotations

import uuid
from typing import Any

import factory
from factory.django import DjangoModelFactory

from catalog.events import SkuSnapshot
from inventory.events import StoreUpdated
from inventory.models import Sku, Store


class StoreFactory(DjangoModelFactory[Store]):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"blr-{n:03d}")
    title = factory.Sequence(lambda n: f"Bengaluru dark store {n}")
    address = "42, 100 Feet Road, Indiranagar"
    city = "Bengaluru"
    pincode = "560038"
    is_open = True


class SkuFactory(DjangoModelFactory[Sku]):
    class Meta:
        model = Sku

    sku_id = factory.LazyFunction(uuid.uuid4)
    product_id = factory.LazyFunction(uuid.uuid4)
    sku_code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Toned milk {n} 500 ml")
    base_unit = "pcs"
    step = 1
    min_life_on_delivery_days = 0
    is_active = True


def sku_snapshot(**overrides: Any) -> SkuSnapshot:
    """A catalog SkuSnapshot as the catalog would publish it."""
    values: dict[str, Any] = {
        "sku_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "sku_code": "MILK-500",
        "name": "Amul Taaza Toned Milk 500 ml",
        "brand": "Amul",
        "sold_by": "unit",
        "base_unit": "pcs",
        "step": 1,
        "pack_label": "500 ml",
        "price_paise": 2900,
        "mrp_paise": 2900,
        "max_per_order": 10,
        "hsn_code": "0401",
        "gst_rate_bp": 0,
        "shelf_life_days": 3,
        "min_life_on_delivery_days": 1,
        "storage": "chilled",
    }
    values.update(overrides)
    return SkuSnapshot(**values)


def store_updated(store_id: uuid.UUID, **changes: Any) -> StoreUpdated:
    """Inventory's announcement of a store, as other apps' projections receive it."""
    fields: dict[str, Any] = {
        "store_id": store_id,
        "code": "BLR-IND",
        "title": "Indiranagar",
        "address": "100 Feet Road",
        "city": "Bengaluru",
        "pincode": "560038",
        "is_open": True,
    }
    return StoreUpdated(**{**fields, **changes})
