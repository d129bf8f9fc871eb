"""Carts and lines, and the cart's own projections of the catalog, stock and zones."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

# --- Projections, fed by other apps' events ------------------------------------------


class Sku(models.Model):
    """What the cart knows of a SKU, from catalog's events."""

    sku_id = models.UUIDField(primary_key=True)
    product_id = models.UUIDField()
    name = models.CharField(max_length=200)
    brand = models.CharField(max_length=100, blank=True)
    sold_by = models.CharField(max_length=6)
    step = models.PositiveIntegerField()
    pack_label = models.CharField(max_length=40)
    price_paise = models.BigIntegerField()
    mrp_paise = models.BigIntegerField()
    max_per_order = models.PositiveIntegerField()
    hsn_code = models.CharField(max_length=8)
    gst_rate_bp = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    image_url = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class StorePrice(models.Model):
    """A store's override of a SKU's price (catalog's PriceChanged with a store)."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    price_paise = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "sku_id"], name="cart_storeprice_once")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.store_id}"


class Availability(models.Model):
    """What a store can sell of a SKU (inventory's StockLevelChanged)."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    available = models.PositiveIntegerField()
    in_stock = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "sku_id"], name="cart_availability_once")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.store_id}: {self.available}"


class Zone(models.Model):
    """A delivery zone and its fee policy (delivery's ZoneConfigured)."""

    zone_id = models.UUIDField(primary_key=True)
    store_id = models.UUIDField()
    title = models.CharField(max_length=100)
    is_active = models.BooleanField()
    fee_policy = models.JSONField()

    def __str__(self) -> str:
        return self.title


class DeliverySlot(models.Model):
    """A delivery slot as the cart needs it (delivery's SlotOpened): its zone, mode, window
    and cut-off, to check a checkout's slot and to price its late-night and express fees."""

    slot_id = models.UUIDField(primary_key=True)
    zone_id = models.UUIDField()
    store_id = models.UUIDField()
    mode = models.CharField(max_length=10)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.mode} {self.starts_at:%Y-%m-%d %H:%M}"


class ZonePincode(models.Model):
    pincode = models.CharField(max_length=6, primary_key=True)
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="pincodes")

    def __str__(self) -> str:
        return self.pincode


# --- The cart itself ----------------------------------------------------------------------


class Cart(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.UUIDField(null=True, blank=True, unique=True)
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    pincode = models.CharField(max_length=6, blank=True)
    zone_id = models.UUIDField(null=True, blank=True)
    store_id = models.UUIDField(null=True, blank=True)
    #: The coupon the customer applied (checked again at every pricing and at checkout).
    coupon_code = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_id__isnull=False) | Q(session_key__isnull=False), name="cart_has_an_owner"
            )
        ]

    def __str__(self) -> str:
        return f"cart {str(self.id)[:8]}"


class CartLine(models.Model):
    class Replacement(models.TextChoices):
        BEST_MATCH = "best_match", "Best match"
        SPECIFIC = "specific", "A specific SKU"
        REFUND = "refund", "Refund, no replacement"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.UUIDField()
    quantity = models.PositiveIntegerField(help_text="Base units: packs, or grams")
    replacement = models.CharField(max_length=10, choices=Replacement.choices, default=Replacement.BEST_MATCH)
    replacement_sku_id = models.UUIDField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku_id"], name="cart_one_line_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id}"


class Checkout(models.Model):
    """One submitted checkout per (customer, Idempotency-Key): the same key answers the same order."""

    customer_id = models.UUIDField()
    idempotency_key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    order_id = models.UUIDField(unique=True)
    total_paise = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "idempotency_key"], name="cart_checkout_key_once")
        ]

    def __str__(self) -> str:
        return f"checkout {self.idempotency_key} -> {self.order_id}"


# --- Coupons ---------------------------------------------------------------------------------


class Coupon(models.Model):
    """A code customers enter in the cart: a percentage off the items (up to a cap), a flat
    amount off, or free delivery; with a minimum subtotal, a validity window and limits of
    use per customer and overall. Staff keep them in the admin."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off the items"
        FLAT = "flat", "Flat amount off the items"
        FREE_DELIVERY = "free_delivery", "Free delivery"

    code = models.CharField(max_length=30, unique=True, help_text="What customers type; kept in capitals")
    description = models.CharField(max_length=200, blank=True, help_text="Shown to the customer with the discount")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    percent_bp = models.PositiveIntegerField(
        default=0, help_text="For a percentage: basis points (1000 = 10 %), 1 to 10000"
    )
    amount_paise = models.BigIntegerField(default=0, help_text="For a flat amount off")
    max_discount_paise = models.BigIntegerField(
        null=True, blank=True, help_text="For a percentage: the most it takes off (empty: no cap)"
    )
    min_subtotal_paise = models.BigIntegerField(default=0, help_text="The items must come to at least this")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    per_customer_limit = models.PositiveIntegerField(default=1, help_text="Orders per customer (0: no limit)")
    total_limit = models.PositiveIntegerField(default=0, help_text="Orders in all (0: no limit)")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_until", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="cart_coupon_window"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(percent_bp__gte=1, percent_bp__lte=10000),
                name="cart_coupon_percent_range",
            ),
            models.CheckConstraint(condition=~Q(kind="flat") | Q(amount_paise__gt=0), name="cart_coupon_flat_positive"),
            models.CheckConstraint(
                condition=Q(amount_paise__gte=0, min_subtotal_paise__gte=0)
                & (Q(max_discount_paise__isnull=True) | Q(max_discount_paise__gt=0)),
                name="cart_coupon_amounts",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CouponRedemption(models.Model):
    """A coupon used by an order: counted against its limits until the order is cancelled."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    customer_id = models.UUIDField()
    order_id = models.UUIDField(unique=True)
    discount_paise = models.BigIntegerField()
    redeemed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="The order was cancelled: the use is given back"
    )

    class Meta:
        ordering = ["-redeemed_at"]
        indexes = [models.Index(fields=["coupon", "customer_id"], name="cart_redemption_by_customer")]

    def __str__(self) -> str:
        return f"{self.coupon_id} for {self.order_id}"
