"""Products and their SKUs: create, change, publish, unpublish, discontinue."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from shop.eventbus import publish
from shop.money import format_inr

from ..events import ProductDiscontinued
from ..models import Brand, Category, PriceHistory, Product, Sku, Store, StorePrice, TaxClass
from ..selectors.tax import gst_rate_on, today_in_india
from .announce import announce_if_visible, announce_product
from .cache import bump_listing_version
from .pricing import record_base_price
from .search import refresh_search_fields

PRODUCT_FIELDS = frozenset(
    {
        "title", "slug", "description", "category", "brand", "tags", "diet", "is_vegan", "is_organic",
        "hsn_code", "tax_class", "shelf_life_days", "min_life_on_delivery_days", "storage",
    }
)  # fmt: skip
SKU_FIELDS = frozenset(
    {
        "code",
        "sold_by",
        "pack_size",
        "pack_unit",
        "step_g",
        "estimated_weight_g",
        "max_per_order",
        "is_active",
        "position",
    }
)


class IllegalTransition(ValidationError):
    """A product cannot go from its state to the one asked (answered as 409 where exposed)."""


def _unique_slug(title: str, *, exclude: UUID | None = None) -> str:
    base = slugify(title)[:200] or "product"
    slug, n = base, 1
    others = Product.objects.exclude(pk=exclude) if exclude else Product.objects.all()
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _locked(product: Product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("brand", "category").get(pk=product.pk)


def create_product(
    *,
    title: str,
    category: Category,
    tax_class: TaxClass,
    hsn_code: str,
    brand: Brand | None = None,
    slug: str = "",
    description: str = "",
    tags: str = "",
    diet: str = "veg",
    is_vegan: bool = False,
    is_organic: bool = False,
    shelf_life_days: int | None = None,
    min_life_on_delivery_days: int = 0,
    storage: str = "ambient",
    product_id: UUID | None = None,
) -> Product:
    """Create a draft product (not on sale, not announced until published)."""
    product = Product(
        id=product_id or uuid.uuid4(),
        title=title.strip(), slug=slug or _unique_slug(title), description=description, category=category,
        brand=brand, tags=tags, diet=diet, is_vegan=is_vegan, is_organic=is_organic, hsn_code=hsn_code,
        tax_class=tax_class, shelf_life_days=shelf_life_days, min_life_on_delivery_days=min_life_on_delivery_days,
        storage=storage,
    )  # fmt: skip
    product.full_clean(exclude=["search_vector", "search_text"])
    try:
        with transaction.atomic():
            product.save(force_insert=True)
            refresh_search_fields(product_ids=[product.pk])
    except IntegrityError as exc:  # a concurrent create took the slug after full_clean looked
        raise ValidationError({"slug": ["A product with this slug already exists."]}) from exc
    return product


def update_product(*, product: Product, **changes: Any) -> Product:
    """Change a product's own fields; a published product announces its new state."""
    unknown = set(changes) - PRODUCT_FIELDS
    if unknown:
        raise TypeError(f"update_product() cannot change {sorted(unknown)}")
    with transaction.atomic():
        product = _locked(product)
        for name, value in changes.items():
            setattr(product, name, value)
        product.full_clean(exclude=["search_vector", "search_text"])
        product.save()
        refresh_search_fields(product_ids=[product.pk])
        announce_if_visible(product)
        bump_listing_version()
    return product


def _clean_sku(sku: Sku) -> None:
    errors: dict[str, list[str]] = {}
    if sku.sold_by == "unit":
        if not sku.pack_size or not sku.pack_unit:
            errors["pack_size"] = ["A pack SKU needs a pack size and unit (500 g, 1 L, 6 pcs)."]
        sku.step_g = sku.estimated_weight_g = None
    elif not sku.step_g or not sku.estimated_weight_g:
        errors["step_g"] = ["A weight SKU needs a step and an estimated weight in grams."]
    if sku.price_paise is not None and sku.mrp_paise is not None and sku.price_paise > sku.mrp_paise:
        errors["price_paise"] = ["The selling price cannot be above the MRP."]
    if not sku.price_paise or sku.price_paise <= 0:
        errors["price_paise"] = ["A price must be more than zero."]
    if not sku.max_per_order or sku.max_per_order <= 0:
        errors["max_per_order"] = ["At least one must be orderable."]
    if errors:
        raise ValidationError(errors)
    # The checks above say in words what the CHECK constraints guard; Django would run a
    # query per constraint to say it again.
    sku.full_clean(validate_constraints=False)


def _refuse_mrp_below_prices(sku: Sku, *, with_base_price: bool) -> None:
    """Nothing may sell above the MRP (illegal in India): not the base price, not any store's price."""
    problems: list[str] = []
    if with_base_price and sku.price_paise > sku.mrp_paise:
        problems.append(f"The MRP cannot go below the selling price ({format_inr(sku.price_paise)}).")
    above = dict(
        StorePrice.objects.filter(sku=sku, price_paise__gt=sku.mrp_paise).values_list("store_id", "price_paise")
    )
    if above:
        names = {store.store_id: str(store) for store in Store.objects.filter(store_id__in=above)}
        stores = sorted(f"{names.get(store_id, store_id)} at {format_inr(price)}" for store_id, price in above.items())
        problems.append(
            f"The MRP cannot go below a store's price: {', '.join(stores)}. Lower or remove those store prices first."
        )
    if problems:
        raise ValidationError({"mrp_paise": problems})


def create_sku(
    *,
    product: Product,
    code: str,
    price_paise: int,
    mrp_paise: int,
    sold_by: str = "unit",
    pack_size: int | None = None,
    pack_unit: str = "",
    step_g: int | None = None,
    estimated_weight_g: int | None = None,
    max_per_order: int = 10,
    is_active: bool = True,
    position: int = 0,
    changed_by_id: UUID | None = None,
    sku_id: UUID | None = None,
) -> Sku:
    """Add a SKU (a pack, or a weight item priced per kg) to a product."""
    with transaction.atomic():
        product = _locked(product)
        if product.status == Product.Status.DISCONTINUED:
            raise IllegalTransition("A discontinued product takes no new SKUs.", code="discontinued")
        sku = Sku(
            id=sku_id or uuid.uuid4(),
            product=product, code=code.strip().upper(), sold_by=sold_by, pack_size=pack_size, pack_unit=pack_unit,
            step_g=step_g, estimated_weight_g=estimated_weight_g, price_paise=price_paise, mrp_paise=mrp_paise,
            max_per_order=max_per_order, is_active=is_active, position=position,
        )  # fmt: skip
        _clean_sku(sku)
        sku.save(force_insert=True)
        PriceHistory.objects.create(sku=sku, price_paise=price_paise, mrp_paise=mrp_paise, changed_by_id=changed_by_id)
        announce_if_visible(product)
        bump_listing_version()
    return sku


def update_sku(
    *,
    sku: Sku,
    price_paise: int | None = None,
    mrp_paise: int | None = None,
    changed_by_id: UUID | None = None,
    **changes: Any,
) -> Sku:
    """Change a SKU; a new price or MRP is recorded in its history and published as PriceChanged."""
    unknown = set(changes) - SKU_FIELDS
    if unknown:
        raise TypeError(f"update_sku() cannot change {sorted(unknown)}")
    with transaction.atomic():
        product = _locked(sku.product)
        sku = Sku.objects.select_for_update().get(pk=sku.pk)
        for name, value in changes.items():
            setattr(sku, name, value)
        before = (sku.price_paise, sku.mrp_paise)
        if price_paise is not None:
            sku.price_paise = price_paise
        if mrp_paise is not None:
            sku.mrp_paise = mrp_paise
        if sku.mrp_paise < before[1]:
            _refuse_mrp_below_prices(sku, with_base_price=sku.price_paise == before[0])
        _clean_sku(sku)
        if (
            not sku.is_active
            and product.status == Product.Status.PUBLISHED
            and not product.skus.filter(is_active=True).exclude(pk=sku.pk).exists()
        ):
            raise ValidationError(
                {"is_active": ["This is the product's last active SKU: unpublish the product first."]}
            )
        sku.save()
        if (sku.price_paise, sku.mrp_paise) != before:
            record_base_price(sku=sku, changed_by_id=changed_by_id)
        announce_if_visible(product)
        bump_listing_version()
    return sku


def set_base_price(
    *, sku: Sku, price_paise: int, mrp_paise: int | None = None, changed_by_id: UUID | None = None
) -> Sku:
    """Change a SKU's base selling price (and MRP): history, PriceChanged, ProductUpdated."""
    return update_sku(sku=sku, price_paise=price_paise, mrp_paise=mrp_paise, changed_by_id=changed_by_id)


def publish_product(*, product: Product) -> Product:
    """Put a draft product on sale: it needs an active SKU and a GST rate in force."""
    with transaction.atomic():
        product = _locked(product)
        if product.status != Product.Status.DRAFT:
            raise IllegalTransition(f"Only a draft can be published; this product is {product.status}.", code="state")
        if not product.skus.filter(is_active=True).exists():
            raise ValidationError("A product needs at least one active SKU to be published.", code="no_sku")
        if gst_rate_on(tax_class_id=product.tax_class_id, on=today_in_india()) is None:
            raise ValidationError(f"Tax class {product.tax_class} has no GST rate in force today.", code="no_rate")
        product.status = Product.Status.PUBLISHED
        product.published_at = product.published_at or timezone.now()
        product.save(update_fields=["status", "published_at", "updated_at"])
        announce_product(product, published=True)
        bump_listing_version()
    return product


def unpublish_product(*, product: Product) -> Product:
    """Take a product off sale for now; its SKUs are announced inactive."""
    with transaction.atomic():
        product = _locked(product)
        if product.status != Product.Status.PUBLISHED:
            raise IllegalTransition(f"Only a published product can be unpublished; this one is {product.status}.")
        product.status = Product.Status.DRAFT
        product.save(update_fields=["status", "updated_at"])
        announce_product(product)
        bump_listing_version()
    return product


def discontinue_product(*, product: Product) -> Product:
    """Stop selling a product for good (it stays for old orders' sake, never on sale again)."""
    with transaction.atomic():
        product = _locked(product)
        if product.status == Product.Status.DISCONTINUED:
            raise IllegalTransition("This product is already discontinued.", code="state")
        product.status = Product.Status.DISCONTINUED
        product.save(update_fields=["status", "updated_at"])
        sku_ids = tuple(product.skus.order_by("position", "code").values_list("id", flat=True))
        publish(ProductDiscontinued(product_id=product.id, sku_ids=sku_ids), key=product.id)
        bump_listing_version()
    return product
