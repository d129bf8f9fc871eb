"""What the catalog knows of inventory's stores and stock, fed by inventory's events."""

from __future__ import annotations

from django.db import models


class Store(models.Model):
    """A dark store as inventory last described it (StoreUpdated)."""

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


class StockLevel(models.Model):
    """Whether a store can sell a SKU (StockLevelChanged); no row means not in stock."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    available = models.PositiveIntegerField(default=0)
    in_stock = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "sku_id"], name="catalog_stocklevel_one_per_sku")]
        indexes = [models.Index(fields=["sku_id", "in_stock"], name="catalog_stock_sku_idx")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.store_id}: {self.available}"
