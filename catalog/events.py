"""The events the catalog app publishes: its public contract (pure data, no Django).

Consumers (cart, inventory, orders, analytics) keep their own copies of what they
need from these; a SKU's full state travels in every event about it.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shop.events import Event, Paise, RateBasisPoints, Value


class SkuSnapshot(Value):
    """Everything another app needs to sell, stock or price one SKU."""

    sku_id: UUID
    product_id: UUID
    sku_code: str
    name: str = Field(description='Display name with pack, e.g. "Amul Taaza Toned Milk 500 ml"')
    brand: str = ""
    sold_by: Literal["unit", "weight"]
    #: Stock and order quantities are integers of this base unit: packs ("pcs") for
    #: unit SKUs, grams ("g") for weight SKUs.
    base_unit: Literal["pcs", "g"]
    #: The orderable step in base units: 1 pack, or e.g. 250 g.
    step: int = Field(gt=0)
    pack_label: str = Field(description='"500 ml", "1 kg", "6 pcs"; for weight SKUs the step, "250 g"')
    #: Unit SKUs: price of one pack. Weight SKUs: price of one kilogram.
    price_paise: Paise
    mrp_paise: Paise
    estimated_weight_g: int | None = Field(default=None, description="Weight SKUs: usual weight of one step")
    max_per_order: int = Field(gt=0, description="In base units")
    hsn_code: str
    gst_rate_bp: RateBasisPoints = Field(description="GST rate in force when published, in basis points")
    shelf_life_days: int | None = None
    min_life_on_delivery_days: int = 0
    storage: Literal["ambient", "chilled", "frozen"] = "ambient"
    is_active: bool = True
    image_url: str = ""


class ProductPublished(Event):
    """A product went on sale (or back on sale), with all its SKUs."""

    name: ClassVar[str] = "catalog.product_published.v1"
    product_id: UUID
    slug: str
    title: str
    category_path: tuple[str, ...] = ()
    skus: tuple[SkuSnapshot, ...]


class ProductUpdated(Event):
    """A product or one of its SKUs changed; the full current state follows."""

    name: ClassVar[str] = "catalog.product_updated.v1"
    product_id: UUID
    slug: str
    title: str
    category_path: tuple[str, ...] = ()
    skus: tuple[SkuSnapshot, ...]


class PriceChanged(Event):
    """A SKU's selling price changed: the base price (store_id None) or one store's override."""

    name: ClassVar[str] = "catalog.price_changed.v1"
    sku_id: UUID
    product_id: UUID
    store_id: UUID | None = None
    price_paise: Paise | None = Field(description="None: the store's override was removed")
    mrp_paise: Paise


class ProductDiscontinued(Event):
    """A product and its SKUs are no longer sold."""

    name: ClassVar[str] = "catalog.product_discontinued.v1"
    product_id: UUID
    sku_ids: tuple[UUID, ...]
