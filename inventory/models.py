"""Inventory tables: stores, a SKU projection, stock, batches, reservations and the movements ledger."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from shop.accounts.validators import validate_pincode


class Store(models.Model):
    """A dark store (or warehouse) that holds stock and serves orders."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=32, unique=True)
    title = models.CharField(max_length=120)
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=80)
    pincode = models.CharField(max_length=6, validators=[validate_pincode])
    is_open = models.BooleanField(default=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} - {self.title}"


class Sku(models.Model):
    """What inventory knows of a catalog SKU, kept from the catalog's product events."""

    sku_id = models.UUIDField(primary_key=True)
    product_id = models.UUIDField(db_index=True)
    sku_code = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    base_unit = models.CharField(max_length=8)
    step = models.PositiveIntegerField()
    shelf_life_days = models.PositiveIntegerField(null=True, blank=True)
    min_life_on_delivery_days = models.PositiveIntegerField(default=0)
    storage = models.CharField(max_length=16, default="ambient")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SKU"
        verbose_name_plural = "SKUs (from the catalog)"
        constraints = [models.CheckConstraint(condition=Q(step__gt=0), name="inventory_sku_step_positive")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku_code})"


class Stock(models.Model):
    """One SKU at one store: physical quantity on hand and the part held by reservations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stocks")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stocks")
    on_hand = models.IntegerField(default=0, help_text="Physical quantity in all batches, base units")
    reserved = models.IntegerField(default=0, help_text="Held by active reservations, base units")
    #: Sellable batches minus reserved, as last computed under the row lock and
    #: published in StockLevelChanged; the batch sweep refreshes it as days pass.
    available = models.IntegerField(default=0)
    #: The level last announced in StockLevelChanged: small moves are not announced
    #: (see INVENTORY_LEVEL_STEP_PERCENT), so the projections lag by at most that step.
    published_available = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=0, help_text="0: no low-stock alert")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["store__code", "sku__name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="inventory_stock_one_per_store_sku"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="inventory_stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="inventory_stock_reserved_le_on_hand"),
            models.CheckConstraint(condition=Q(available__gte=0), name="inventory_stock_available_not_negative"),
        ]

    def __str__(self) -> str:
        """ "AMUL-BUTTER-500G at blr-hsr" when the SKU and store came with the row (the admin's
        lists and actions select them); their ids otherwise, rather than two more queries."""
        fields = type(self)._meta
        sku = self.sku if fields.get_field("sku").is_cached(self) else None
        store = self.store if fields.get_field("store").is_cached(self) else None
        return f"{sku.sku_code if sku else self.sku_id} at {store.code if store else self.store_id}"

    @property
    def in_stock(self) -> bool:
        return self.available > 0


class Batch(models.Model):
    """A received lot of a SKU at a store, with its expiry date (None: does not expire)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="batches")
    code = models.CharField(max_length=64)
    expires_on = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    received_quantity = models.PositiveIntegerField()
    quantity = models.IntegerField(help_text="Remaining, base units")
    written_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = [F("expires_on").asc(nulls_last=True), "received_at"]
        verbose_name_plural = "batches"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inventory_batch_quantity_not_negative")
        ]
        indexes = [models.Index(fields=["expires_on"], name="inventory_batch_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.code} (expires {self.expires_on or 'never'})"


class NearExpiryDigest(models.Model):
    """A store's near-expiry digest (BatchesNearExpiry) was published for a day: at most one each."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    batches = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "store"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="inventory_digest_one_per_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id} on {self.day}: {self.batches} batches"


class Reservation(models.Model):
    """Stock held for one order: all of its lines or none, until committed, released or expired."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        COMMITTED = "committed"
        RELEASED = "released"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="reservations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="inventory_resv_status_exp_idx")]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


class ReservationLine(models.Model):
    """One SKU of a reservation (an order's duplicate lines summed)."""

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservation_lines")
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reservation", "stock"], name="inventory_resline_one_per_stock"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inventory_resline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked__isnull=True) | Q(picked__lte=F("quantity")), name="inventory_resline_picked_le_qty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.stock_id}"


class Movement(models.Model):
    """One entry of the append-only stock ledger; stock and batches always equal its sums."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt"
        RESERVATION = "reservation"
        RELEASE = "release"
        PICK = "pick"
        ADJUSTMENT = "adjustment"
        WRITE_OFF = "write_off"

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    sku_id = models.UUIDField(db_index=True)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="movements")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    order_id = models.UUIDField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=200, blank=True)
    user_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0) | ~Q(reserved_delta=0), name="inventory_movement_moves_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on_hand_delta:+d}/{self.reserved_delta:+d}"
