"""The catalog's state as its events carry it (SkuSnapshot and friends)."""

from __future__ import annotations

from datetime import date

from django.core.files.storage import default_storage

from ..events import SkuSnapshot
from ..models import Category, Product, ProductImage, Sku
from .tax import gst_rate_on, today_in_india


def category_path_titles(category: Category) -> tuple[str, ...]:
    """The category's names from the root down ("Dairy", "Milk")."""
    slugs = category.path.split("/")
    names = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return tuple(names.get(slug, slug) for slug in slugs)


def image_url(image: ProductImage | None, *, size: str = "320") -> str:
    """The URL of a thumbnail (or the original until thumbnails exist); "" without an image."""
    if image is None:
        return ""
    name = image.thumbnails.get(size) if image.thumbnails else None
    return default_storage.url(name) if name else image.image.url


def first_image(product: Product) -> ProductImage | None:
    return product.images.order_by("position", "created_at").first()


def sku_snapshot(sku: Sku, *, product: Product, gst_rate_bp: int, image: str = "") -> SkuSnapshot:
    """One SKU as the other apps see it; `is_active` is false unless the product is on sale."""
    return SkuSnapshot(
        sku_id=sku.id,
        product_id=product.id,
        sku_code=sku.code,
        name=f"{product.title} {sku.pack_label}",
        brand=product.brand.name if product.brand else "",
        sold_by=sku.sold_by,
        base_unit=sku.base_unit,
        step=sku.step,
        pack_label=sku.pack_label,
        price_paise=sku.price_paise,
        mrp_paise=sku.mrp_paise,
        estimated_weight_g=sku.estimated_weight_g if sku.sold_by == "weight" else None,
        max_per_order=sku.max_per_order,
        hsn_code=product.hsn_code,
        gst_rate_bp=gst_rate_bp,
        shelf_life_days=product.shelf_life_days,
        min_life_on_delivery_days=product.min_life_on_delivery_days,
        storage=product.storage,
        is_active=sku.is_active and product.is_published,
        image_url=image,
    )


def product_snapshots(product: Product, *, on: date | None = None) -> tuple[SkuSnapshot, ...]:
    """Every SKU of the product (active or not), with the GST rate in force on `on` (today)."""
    rate = gst_rate_on(tax_class_id=product.tax_class_id, on=on or today_in_india())
    url = image_url(first_image(product))
    skus = Sku.objects.filter(product=product).order_by("position", "code")
    return tuple(sku_snapshot(sku, product=product, gst_rate_bp=rate or 0, image=url) for sku in skus)
