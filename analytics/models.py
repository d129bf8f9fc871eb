"""Read-only projections for reports, fed by other apps' events."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class StoreDay(models.Model):
    """One store's trading day (Asia/Kolkata): orders, money, how they ended."""

    store_id = models.UUIDField()
    date = models.DateField()
    orders_confirmed = models.PositiveIntegerField(default=0)
    gmv_paise = models.BigIntegerField(default=0, help_text="Totals of the orders confirmed")
    cod_orders = models.PositiveIntegerField(default=0)
    coupon_orders = models.PositiveIntegerField(default=0, help_text="Orders confirmed with a coupon")
    discount_paise = models.BigIntegerField(
        default=0, help_text="The coupons' discounts on the orders confirmed (GMV is net of them)"
    )
    orders_cancelled = models.PositiveIntegerField(default=0)
    #: {"out_of_stock": 3, "payment_timeout": 1, ...}
    cancelled_by_reason = models.JSONField(default=dict)
    orders_delivered = models.PositiveIntegerField(default=0)
    #: Picking (shipments picked that day): lines in all, lines short (replaced ones too: the
    #: customer's own SKU was not there), of those the lines replaced, and lines weighed.
    lines_picked = models.PositiveIntegerField(default=0)
    lines_short = models.PositiveIntegerField(
        default=0, help_text="Found fewer than ordered (or none), replaced or not"
    )
    lines_replaced = models.PositiveIntegerField(
        default=0, help_text="Short lines made up with their replacement offer (counted in lines_short too)"
    )
    lines_weighed = models.PositiveIntegerField(default=0, help_text="Sold by weight: picked at its actual weight")
    #: Refunds paid back that day (PaymentRefunded's refunded_at), every channel.
    refunds = models.PositiveIntegerField(default=0)
    refunded_paise = models.BigIntegerField(default=0, help_text="Refunds paid back that day, every channel")

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

    @property
    def coupon_share_percent(self) -> float:
        return round(100 * self.coupon_orders / self.orders_confirmed, 1) if self.orders_confirmed else 0.0

    @property
    def fill_rate_percent(self) -> float | None:
        """Lines picked in full (or at their weight) out of lines picked; None before any picking.
        A replaced line is short here: the customer's own SKU was not there."""
        if not self.lines_picked:
            return None
        return round(100 * (self.lines_picked - self.lines_short) / self.lines_picked, 1)

    @property
    def substitution_rate_percent(self) -> float | None:
        """Lines replaced out of lines picked, as the fill rate counts them; None before any picking."""
        if not self.lines_picked:
            return None
        return round(100 * self.lines_replaced / self.lines_picked, 1)

    @property
    def refund_rate_percent(self) -> float | None:
        """The day's refunds out of the day's GMV; None on a day without GMV."""
        if not self.gmv_paise:
            return None
        return round(100 * self.refunded_paise / self.gmv_paise, 1)


class StoreHour(models.Model):
    """One store's hour (Asia/Kolkata): orders confirmed and their GMV, for the day's curve."""

    store_id = models.UUIDField()
    #: The start of the local hour, e.g. 2026-11-22 18:00+05:30.
    hour = models.DateTimeField()
    orders_confirmed = models.PositiveIntegerField(default=0)
    gmv_paise = models.BigIntegerField(default=0, help_text="Totals of the orders confirmed")

    class Meta:
        ordering = ["hour", "store_id"]
        constraints = [models.UniqueConstraint(fields=["store_id", "hour"], name="analytics_one_row_per_store_hour")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.hour:%Y-%m-%d %H:00}"

    @property
    def average_order_paise(self) -> int:
        return self.gmv_paise // self.orders_confirmed if self.orders_confirmed else 0


class Store(models.Model):
    """A dark store as inventory last announced it (StoreUpdated): its name in the reports."""

    store_id = models.UUIDField(primary_key=True)
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    announced_at = models.DateTimeField(help_text="When inventory published the state kept here")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"


class OrderStore(models.Model):
    """Which store a confirmed order is from (OrderConfirmed), so its refunds, which name only the
    order, count at its store. A refund handled first makes the row without the store."""

    order_id = models.UUIDField(primary_key=True)
    store_id = models.UUIDField(null=True, blank=True)
    #: When the row was made; rows past ANALYTICS_ORDER_MEMORY_DAYS are pruned daily.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.order_id} at {self.store_id}"


class Refund(models.Model):
    """A refund paid back (PaymentRefunded), counted once: `store_id` is set when it is
    counted in its store's day, which waits for the order's store if it came first."""

    refund_id = models.UUIDField(primary_key=True)
    order_id = models.UUIDField(db_index=True)
    amount_paise = models.BigIntegerField()
    channel = models.CharField(max_length=20)
    date = models.DateField(help_text="The Asia/Kolkata day it was refunded")
    store_id = models.UUIDField(null=True, blank=True, help_text="Empty until counted in its store's day")

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.refund_id} {self.amount_paise}p"
