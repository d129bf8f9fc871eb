"""The catalog API's input (query filters) and output shapes."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from rest_framework import serializers

from shop.api.fields import ChoiceField

from ..models import Brand, Category, Product, ProductImage, Sku, Store
from ..selectors.listing import SORTS, ProductFilters
from ..selectors.snapshots import image_url

DIETS = ("veg", "non_veg", "egg", "vegan", "organic")
PLACEHOLDER = "catalog/placeholder.svg"


class ProductListInput(serializers.Serializer):
    """Filters, search and sort of the product listing (query parameters)."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Search words")
    category = serializers.SlugField(required=False, help_text="Category slug; includes its descendants")
    brand = serializers.SlugField(required=False, help_text="Brand slug")
    diet = ChoiceField(choices=DIETS, required=False)
    price_min = serializers.IntegerField(required=False, min_value=0, help_text="Paise, inclusive")
    price_max = serializers.IntegerField(required=False, min_value=0, help_text="Paise, inclusive")
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    store = serializers.UUIDField(required=False, help_text="Price and stock of this store")
    sort = ChoiceField(choices=SORTS, required=False, help_text="Default: relevance with q=, else name")

    def validate_category(self, value: str) -> Category:
        category = Category.objects.filter(slug=value).first()
        if category is None:
            raise serializers.ValidationError(f"Unknown category {value!r}.")
        return category

    def validate_brand(self, value: str) -> Brand:
        brand = Brand.objects.filter(slug=value).first()
        if brand is None:
            raise serializers.ValidationError(f"Unknown brand {value!r}.")
        return brand

    def validate_store(self, value: Any) -> Any:
        if not Store.objects.filter(store_id=value).exists():
            raise serializers.ValidationError("Unknown store.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("price_min"), attrs.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"price_max": ["Must not be below price_min."]})
        return attrs

    def filters(self) -> ProductFilters:
        data = self.validated_data
        return ProductFilters(
            q=data.get("q", ""),
            category=data.get("category"),
            brand=data.get("brand"),
            diet=data.get("diet", ""),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            in_stock=data.get("in_stock"),
            store_id=data.get("store"),
            sort=data.get("sort", ""),
        )


class StoreInput(serializers.Serializer):
    store = serializers.UUIDField(required=False, help_text="Price and stock of this store")

    validate_store = ProductListInput.validate_store


class BrandOutput(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class CategoryRefOutput(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    path = serializers.CharField()


class CategoryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    path = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Sub-categories, same shape")


class ImageOutput(serializers.Serializer):
    """URLs of the thumbnails (160, 320, 640 px); the placeholder until they are made."""

    small = serializers.CharField()
    medium = serializers.CharField()
    large = serializers.CharField()
    alt = serializers.CharField()


def image_urls(image: ProductImage | None, alt: str) -> dict[str, str]:
    if image is None or not image.thumbnails:
        placeholder = static(PLACEHOLDER)
        return {"small": placeholder, "medium": placeholder, "large": placeholder, "alt": alt}
    return {
        "small": image_url(image, size="160"),
        "medium": image_url(image, size="320"),
        "large": image_url(image, size="640"),
        "alt": image.alt or alt,
    }


# The output serializers document the API (drf-spectacular); the views build the same shapes
# with product_cards() and product_detail(), which are several times faster on the hot path.


class SkuOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    pack_label = serializers.CharField()
    sold_by = serializers.CharField(help_text="unit: price is per pack; weight: price is per kg, billed on weight")
    base_unit = serializers.CharField()
    step = serializers.IntegerField(help_text="Orderable step in base units")
    estimated_weight_g = serializers.IntegerField(allow_null=True)
    price_paise = serializers.IntegerField(help_text="Per pack, or per kg for weight SKUs (the store's, with store=)")
    mrp_paise = serializers.IntegerField()
    discount_percent = serializers.IntegerField()
    step_price_paise = serializers.IntegerField(help_text="Price of one orderable step (one pack, or e.g. 250 g)")
    approx = serializers.BooleanField(help_text="Weight SKUs: billed on the weight picked, so the price is approximate")
    max_per_order = serializers.IntegerField()
    in_stock = serializers.BooleanField(help_text="In the given store, or in any store without store=")


class ProductOutput(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    title = serializers.CharField()
    brand = BrandOutput(allow_null=True)
    category = CategoryRefOutput()
    diet = serializers.CharField()
    is_vegan = serializers.BooleanField()
    is_organic = serializers.BooleanField()
    image = ImageOutput()
    skus = SkuOutput(many=True)


def product_detail(product: Product) -> dict[str, Any]:
    """What ProductDetailOutput renders: the card plus description, tax, storage and every image."""
    return {
        **product_cards([product])[0],
        "description": product.description,
        "tags": product.tags,
        "hsn_code": product.hsn_code,
        "gst_rate_bp": product.gst_rate_bp,  # type: ignore[attr-defined]
        "shelf_life_days": product.shelf_life_days,
        "min_life_on_delivery_days": product.min_life_on_delivery_days,
        "storage": product.storage,
        "images": [image_urls(image, product.title) for image in product.gallery],  # type: ignore[attr-defined]
    }


class ProductDetailOutput(ProductOutput):
    description = serializers.CharField()
    tags = serializers.CharField()
    hsn_code = serializers.CharField()
    gst_rate_bp = serializers.IntegerField(help_text="GST in force today, basis points")
    shelf_life_days = serializers.IntegerField(allow_null=True)
    min_life_on_delivery_days = serializers.IntegerField()
    storage = serializers.CharField()
    images = ImageOutput(many=True)


def product_cards(products: list[Product]) -> list[dict[str, Any]]:
    """What ProductOutput renders, built directly: the listing's hot path skips DRF's field machinery."""
    return [
        {
            "id": str(product.id),
            "slug": product.slug,
            "title": product.title,
            "brand": {"name": product.brand.name, "slug": product.brand.slug} if product.brand else None,
            "category": {
                "name": product.category.name,
                "slug": product.category.slug,
                "path": product.category.path,
            },
            "diet": product.diet,
            "is_vegan": product.is_vegan,
            "is_organic": product.is_organic,
            "image": image_urls(product.gallery[0] if product.gallery else None, product.title),  # type: ignore[attr-defined]
            "skus": [_sku_card(sku) for sku in product.sellable],  # type: ignore[attr-defined]
        }
        for product in products
    ]


def _sku_card(sku: Sku) -> dict[str, Any]:
    price: int = sku.effective_price  # type: ignore[attr-defined]
    by_weight = sku.sold_by == "weight"
    return {
        "id": str(sku.id),
        "code": sku.code,
        "pack_label": sku.pack_label,
        "sold_by": sku.sold_by,
        "base_unit": sku.base_unit,
        "step": sku.step,
        "estimated_weight_g": sku.estimated_weight_g,
        "price_paise": price,
        "mrp_paise": sku.mrp_paise,
        "discount_percent": (sku.mrp_paise - price) * 100 // sku.mrp_paise if sku.mrp_paise else 0,
        # Rounded half up to the paisa; the bill uses the weight actually picked.
        "step_price_paise": (price * sku.step + 500) // 1000 if by_weight else price,
        "approx": by_weight,
        "max_per_order": sku.max_per_order,
        "in_stock": sku.in_stock,  # type: ignore[attr-defined]
    }


class ProductPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductOutput(many=True)
