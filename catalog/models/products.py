"""Products, their SKUs (by pack or by weight), store prices, price history and images."""

from __future__ import annotations

import uuid

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from shop.money import grams_label

from .taxonomy import Brand, Category, TaxClass


class Diet(models.TextChoices):
    VEG = "veg", "Vegetarian"
    NON_VEG = "non_veg", "Non-vegetarian"
    EGG = "egg", "Contains egg"
    NA = "na", "Not food"


class Storage(models.TextChoices):
    AMBIENT = "ambient", "Ambient"
    CHILLED = "chilled", "Chilled"
    FROZEN = "frozen", "Frozen"


class SoldBy(models.TextChoices):
    UNIT = "unit", "By pack"
    WEIGHT = "weight", "By weight"


class Product(models.Model):
    """What a customer looks for ("Amul Taaza Toned Milk"); sold as one or more SKUs."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DISCONTINUED = "discontinued", "Discontinued"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    #: Free keywords for search, comma separated ("dahi, curd, yoghurt").
    tags = models.CharField(max_length=500, blank=True)
    diet = models.CharField(max_length=10, choices=Diet.choices, default=Diet.VEG)
    is_vegan = models.BooleanField(default=False)
    is_organic = models.BooleanField(default=False)
    hsn_code = models.CharField(
        max_length=8,
        validators=[RegexValidator(r"^[0-9]{4,8}$", "An HSN code is 4 to 8 digits.")],
        help_text="Harmonised System of Nomenclature code, printed on the GST invoice",
    )
    tax_class = models.ForeignKey(TaxClass, on_delete=models.PROTECT, related_name="products")
    shelf_life_days = models.PositiveIntegerField(null=True, blank=True)
    min_life_on_delivery_days = models.PositiveIntegerField(default=0)
    storage = models.CharField(max_length=10, choices=Storage.choices, default=Storage.AMBIENT)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Title, brand, category and tags, weighted A-D; PostgreSQL only, kept by the services.
    search_vector = SearchVectorField(null=True, editable=False)
    #: Title, brand and tags as one lower-case string, for trigram similarity (PostgreSQL) and icontains (SQLite).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["title"]
        indexes = [
            # The GIN indexes on search_vector and search_text (pg_trgm) are PostgreSQL-only:
            # the first migration creates them there and skips them on SQLite.
            models.Index(fields=["status", "category"], name="catalog_product_status_idx"),
            models.Index(fields=["-published_at"], name="catalog_product_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Sku(models.Model):
    """One sellable variant: a pack (500 g, 1 L, 6 pcs) or a weight item priced per kg."""

    class PackUnit(models.TextChoices):
        G = "g", "g"
        KG = "kg", "kg"
        ML = "ml", "ml"
        L = "l", "L"
        PCS = "pcs", "pcs"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(max_length=40, unique=True)
    sold_by = models.CharField(max_length=6, choices=SoldBy.choices, default=SoldBy.UNIT)
    #: Unit SKUs: the pack's size in pack_unit (500 g, 1 L, 6 pcs).
    pack_size = models.PositiveIntegerField(null=True, blank=True)
    pack_unit = models.CharField(max_length=3, choices=PackUnit.choices, blank=True)
    #: Weight SKUs: the orderable step and the usual weight of one step, in grams.
    step_g = models.PositiveIntegerField(null=True, blank=True)
    estimated_weight_g = models.PositiveIntegerField(null=True, blank=True)
    #: Unit SKUs: price of one pack. Weight SKUs: price of one kilogram.
    price_paise = models.PositiveBigIntegerField()
    mrp_paise = models.PositiveBigIntegerField()
    #: In base units (packs, or grams for weight SKUs).
    max_per_order = models.PositiveIntegerField(default=10)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "position", "code"]
        constraints = [
            # The messages are what the admin's forms show (they validate the constraints too).
            models.CheckConstraint(
                condition=Q(price_paise__gt=0),
                name="catalog_sku_price_positive",
                violation_error_message="The price must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(price_paise__lte=F("mrp_paise")),
                name="catalog_sku_price_within_mrp",
                violation_error_message="The price cannot be above the MRP.",
            ),
            models.CheckConstraint(
                condition=Q(max_per_order__gt=0),
                name="catalog_sku_max_positive",
                violation_error_message="Max per order must be at least one.",
            ),
            models.CheckConstraint(
                condition=(Q(sold_by="unit", pack_size__gt=0) & ~Q(pack_unit=""))
                | Q(sold_by="weight", step_g__gt=0, estimated_weight_g__gt=0),
                name="catalog_sku_pack_or_weight",
                violation_error_message=(
                    "A SKU sold by pack needs a pack size and unit (500 g, 1 L, 6 pcs); "
                    "one sold by weight needs a step and an estimated weight in grams."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.pack_label}"

    @property
    def base_unit(self) -> str:
        return "g" if self.sold_by == SoldBy.WEIGHT else "pcs"

    @property
    def step(self) -> int:
        return (self.step_g or 1) if self.sold_by == SoldBy.WEIGHT else 1

    @property
    def pack_label(self) -> str:
        if self.sold_by == SoldBy.WEIGHT:
            return grams_label(self.step_g or 0)
        unit = self.get_pack_unit_display() if self.pack_unit else ""
        return f"{self.pack_size} {unit}".strip()


class StorePrice(models.Model):
    """A store's own selling price for a SKU, overriding the base price there."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="store_prices")
    store_id = models.UUIDField()
    price_paise = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "store_id"], name="catalog_storeprice_one_per_store"),
            models.CheckConstraint(
                condition=Q(price_paise__gt=0),
                name="catalog_storeprice_positive",
                violation_error_message="The store price must be more than zero.",
            ),
        ]
        indexes = [models.Index(fields=["store_id", "sku"], name="catalog_storeprice_store_idx")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.store_id}: {self.price_paise}"


class PriceHistory(models.Model):
    """Every price a SKU had, base or per store, and who set it (append-only)."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="price_history")
    store_id = models.UUIDField(null=True, blank=True)
    #: None: the store's override was removed.
    price_paise = models.PositiveBigIntegerField(null=True)
    mrp_paise = models.PositiveBigIntegerField()
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name_plural = "price history"

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.price_paise} at {self.changed_at:%Y-%m-%d %H:%M}"


class ProductImage(models.Model):
    """A product photo; WebP thumbnails are made after upload by catalog.make_thumbnails."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="catalog/products/%Y/%m/")
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    #: {"160": "catalog/thumbs/<id>-160.webp", ...}; empty until the task has run.
    thumbnails = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "position", "created_at"]

    def __str__(self) -> str:
        return self.alt or self.image.name or str(self.id)
