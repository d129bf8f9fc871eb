"""Read-only projections for reports, fed by other apps' events."""

from __future__ import annotations

from django.db import models


class StoreDay(models.Model):
    """One store's trading day (Asia/Kolkata): orders, money, how they ended."""

    store_id = models.UUIDField()
    date = models.DateField()
    orders_confirmed = models.PositiveIntegerField(default=0)
    gmv_paise = models.BigIntegerField(default=0, help_text="Totals of the orders confirmed")
    cod_orders = models.PositiveIntegerField(default=0)
    orders_cancelled = models.PositiveIntegerField(default=0)
    #: {"out_of_stock": 3, "payment_timeout": 1, ...}
    cancelled_by_reason = models.JSONField(default=dict)
    orders_delivered = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "store_id"]
        constraints = [models.UniqueConstraint(fields=["store_id", "date"], name="analytics_one_row_per_store_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date}"

    @property
    def average_order_paise(self) -> int:
        return self.gmv_paise // self.orders_confirmed if self.orders_confirmed else 0

    @property
    def cod_share_percent(self) -> float:
        return round(100 * self.cod_orders / self.orders_confirmed, 1) if self.orders_confirmed else 0.0
