"""The customer's view of the catalogue: categories, product listings and a product page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import Brand, Category, Product, ProductImage, Sku, StockLevel, StorePrice
from .search import search_products
from .tax import gst_rate_on, today_in_india

SORTS = ("relevance", "price", "-price", "newest", "name")


@dataclass(frozen=True)
class ProductFilters:
    """What a listing asks for; the API validates it into this shape."""

    q: str = ""
    category: Category | None = None
    brand: Brand | None = None
    diet: str = ""
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool | None = None
    store_id: UUID | None = None
    sort: str = ""


def list_categories() -> QuerySet[Category]:
    """The whole tree in path order (parents before their children)."""
    return Category.objects.order_by("path")


def category_tree() -> list[dict[str, Any]]:
    """The category tree as nested dicts (id, name, slug, path, children), roots first."""
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for category in list_categories():  # path order: a parent comes before its children
        node = {"id": category.id, "name": category.name, "slug": category.slug, "path": category.path, "children": []}
        nodes[category.path] = node
        parent_path = category.path.rpartition("/")[0]
        (nodes[parent_path]["children"] if parent_path in nodes else roots).append(node)
    return roots


def _effective_price(store_id: UUID | None) -> Coalesce | F:
    """A SKU's price in the store (its override, else the base price); the base price without a store."""
    if store_id is None:
        return F("price_paise")
    override = StorePrice.objects.filter(sku=OuterRef("pk"), store_id=store_id).values("price_paise")[:1]
    return Coalesce(Subquery(override), F("price_paise"))


def _in_stock(store_id: UUID | None) -> Exists:
    levels = StockLevel.objects.filter(sku_id=OuterRef("pk"), in_stock=True)
    return Exists(levels.filter(store_id=store_id) if store_id else levels)


def sellable_skus(store_id: UUID | None) -> QuerySet[Sku]:
    """Active SKUs with `effective_price` and `in_stock` for the store (or any store)."""
    return Sku.objects.filter(is_active=True).annotate(
        effective_price=_effective_price(store_id), in_stock=_in_stock(store_id)
    )


def _with_details(products: QuerySet[Product], store_id: UUID | None) -> QuerySet[Product]:
    # The search columns are large and never shown.
    return (
        products.defer("search_vector", "search_text")
        .select_related("brand", "category")
        .prefetch_related(
            Prefetch("skus", queryset=sellable_skus(store_id).order_by("position", "code"), to_attr="sellable"),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at"), to_attr="gallery"),
        )
    )


def list_products(filters: ProductFilters) -> QuerySet[Product]:
    """Published products matching the filters, sorted, with their sellable SKUs and images."""
    products = Product.objects.filter(status=Product.Status.PUBLISHED)
    if filters.category is not None:
        path = filters.category.path
        products = products.filter(Q(category__path=path) | Q(category__path__startswith=f"{path}/"))
    if filters.brand is not None:
        products = products.filter(brand=filters.brand)
    if filters.diet in ("veg", "non_veg", "egg"):
        products = products.filter(diet=filters.diet)
    elif filters.diet == "vegan":
        products = products.filter(is_vegan=True)
    elif filters.diet == "organic":
        products = products.filter(is_organic=True)
    sku_filters = Q()
    if filters.price_min is not None:
        sku_filters &= Q(effective_price__gte=filters.price_min)
    if filters.price_max is not None:
        sku_filters &= Q(effective_price__lte=filters.price_max)
    if filters.in_stock is not None:
        sku_filters &= Q(in_stock=filters.in_stock)
    if sku_filters:
        # Every listed product has a SKU that passes every SKU filter at once. (Without SKU
        # filters no check is needed: a published product always has an active SKU.)
        products = products.filter(Exists(sellable_skus(filters.store_id).filter(sku_filters, product=OuterRef("pk"))))
    products = search_products(products, filters.q)
    return _with_details(_sorted(products, filters), filters.store_id)


def _sorted(products: QuerySet[Product], filters: ProductFilters) -> QuerySet[Product]:
    sort = filters.sort or ("relevance" if filters.q else "name")
    if sort in ("price", "-price"):
        skus = sellable_skus(filters.store_id).filter(product=OuterRef("pk"))
        cheapest = skus.order_by(F("effective_price").asc()).values_list(F("effective_price"))[:1]
        products = products.annotate(min_price=Subquery(cheapest))
        return products.order_by("min_price" if sort == "price" else "-min_price", "title", "id")
    if sort == "newest":
        return products.order_by(F("published_at").desc(nulls_last=True), "title", "id")
    if sort == "relevance" and filters.q:
        return products.order_by(F("relevance").desc(), "title", "id")
    return products.order_by("title", "id")


def get_product(*, slug: str, store_id: UUID | None = None) -> Product:
    """One product on sale, with its sellable SKUs priced for the store and `gst_rate_bp` in force today.

    Raises Product.DoesNotExist when there is no such product on sale.
    """
    product = _with_details(Product.objects.filter(status=Product.Status.PUBLISHED), store_id).get(slug=slug)
    product.gst_rate_bp = gst_rate_on(tax_class_id=product.tax_class_id, on=today_in_india()) or 0  # type: ignore[attr-defined]
    return product
