"""Stores (a projection of inventory's), zones of pincodes they serve, and the zone's fee policy."""

from __future__ import annotations

import uuid

from django.db import models

from shop.accounts.validators import validate_pincode


class Store(models.Model):
    """A dark store as inventory last announced it (inventory.store_updated.v1)."""

    store_id = models.UUIDField(primary_key=True)
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    pincode = models.CharField(max_length=6, blank=True)
    is_open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Zone(models.Model):
    """A set of pincodes served by one store, with the fee policy the cart prices from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    store_id = models.UUIDField(db_index=True)
    is_active = models.BooleanField(default=True)
    min_order_value_paise = models.PositiveIntegerField(default=0)
    # [{"min_cart_value_paise": 0, "fee_paise": 4900}, ...], ascending, first at 0.
    fee_tiers = models.JSONField(default=list)
    small_cart_threshold_paise = models.PositiveIntegerField(default=0)
    small_cart_fee_paise = models.PositiveIntegerField(default=0)
    late_night_start = models.TimeField(null=True, blank=True)
    late_night_end = models.TimeField(null=True, blank=True)
    late_night_fee_paise = models.PositiveIntegerField(default=0)
    express_fee_paise = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ZonePincode(models.Model):
    """A pincode a zone serves; a pincode belongs to at most one zone."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="pincodes")
    pincode = models.CharField(max_length=6, unique=True, validators=[validate_pincode])

    class Meta:
        ordering = ["pincode"]

    def __str__(self) -> str:
        return self.pincode
