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
    #: Payment: prepaid orders confirmed that day, and prepaid orders cancelled that day because
    #: the payment failed or its window closed (payment_failed, payment_timeout).
    prepaid_confirmed = models.PositiveIntegerField(default=0, help_text="Prepaid orders confirmed (paid)")
    prepaid_payment_failed = models.PositiveIntegerField(
        default=0, help_text="Prepaid orders cancelled: payment failed, or not paid in time"
    )
    #: Deliveries against their promise (ShipmentDelivered.promised_by, the slot's end); those
    #: without one (no slot, or delivered before the promise was published) are in neither.
    delivered_on_time = models.PositiveIntegerField(default=0, help_text="Delivered by the end of the slot")
    delivered_late = models.PositiveIntegerField(default=0, help_text="Delivered after the end of the slot")
    late_seconds = models.BigIntegerField(default=0, help_text="How late the late deliveries were, added up")
    #: Expiry write-offs (BatchExpired): batches written off that day, and their value at the
    #: price the store last sold the SKU for (batches of SKUs it had not sold are not valued).
    batches_expired = models.PositiveIntegerField(default=0, help_text="Expired batches written off")
    written_off_paise = models.BigIntegerField(
        default=0, help_text="The write-offs at the SKU's last selling price at the store"
    )
    batches_unvalued = models.PositiveIntegerField(
        default=0, help_text="Written off, but of a SKU no order had priced yet: not in the value"
    )

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

    @property
    def payment_success_rate_percent(self) -> float | None:
        """Prepaid orders confirmed out of those confirmed or cancelled for their payment; None without either."""
        attempts = self.prepaid_confirmed + self.prepaid_payment_failed
        return round(100 * self.prepaid_confirmed / attempts, 1) if attempts else None

    @property
    def on_time_percent(self) -> float | None:
        """Deliveries by the end of their slot out of those with a promise; None without any."""
        promised = self.delivered_on_time + self.delivered_late
        return round(100 * self.delivered_on_time / promised, 1) if promised else None

    @property
    def average_minutes_late(self) -> float | None:
        """How late a late delivery was, on average, in minutes; None without a late one."""
        return round(self.late_seconds / 60 / self.delivered_late, 1) if self.delivered_late else None


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
    order, count at its store; and its slot, so its cancellation frees its place in the slot's
    count. A refund handled first makes the row without either."""

    order_id = models.UUIDField(primary_key=True)
    store_id = models.UUIDField(null=True, blank=True)
    slot_id = models.UUIDField(null=True, blank=True)
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


class SlotUse(models.Model):
    """A delivery slot's use: the orders confirmed for it (OrderConfirmed's slot) less those of
    them cancelled since (delivery frees a cancelled order's place), against its capacity as
    delivery last announced it (SlotOpened). Once its orders settle, `booked` is delivery's own."""

    slot_id = models.UUIDField(primary_key=True)
    store_id = models.UUIDField()
    #: The Asia/Kolkata day the window starts (empty only until the slot's time is known).
    date = models.DateField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    zone_id = models.UUIDField(null=True, blank=True)
    mode = models.CharField(max_length=10, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="As delivery last announced it")
    announced_at = models.DateTimeField(null=True, blank=True, help_text="When delivery announced what is kept here")
    orders_confirmed = models.PositiveIntegerField(default=0)
    orders_cancelled = models.PositiveIntegerField(default=0, help_text="Of those, cancelled since: their place freed")

    class Meta:
        ordering = ["-date", "starts_at", "store_id"]
        indexes = [models.Index(fields=["store_id", "date"], name="analytics_slot_store_date")]

    def __str__(self) -> str:
        return f"{self.slot_id} {self.starts_at}"

    @property
    def booked(self) -> int:
        return self.orders_confirmed - self.orders_cancelled

    @property
    def utilisation_percent(self) -> float | None:
        """Places booked out of capacity; None while the capacity is not known (or 0)."""
        return round(100 * self.booked / self.capacity, 1) if self.capacity else None


class SoldBy(models.TextChoices):
    UNIT = "unit", "by the pack"
    WEIGHT = "weight", "by weight"


class SkuDay(models.Model):
    """One SKU's day at one store (Asia/Kolkata): what the orders confirmed that day asked for
    (in its base unit: packs, or grams), and what of it expired."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    date = models.DateField()
    name = models.CharField(max_length=255, blank=True, help_text="As the last order named it")
    #: Empty for a SKU no order has named yet (only written off).
    sold_by = models.CharField(max_length=6, choices=SoldBy.choices, blank=True)
    units_ordered = models.BigIntegerField(default=0, help_text="Base units (packs, or grams) in orders confirmed")
    orders = models.PositiveIntegerField(default=0, help_text="Orders confirmed with the SKU")
    sales_paise = models.BigIntegerField(default=0, help_text="The lines' totals, less their coupon shares")
    unit_price_paise = models.BigIntegerField(
        default=0, help_text="The price the last order paid: per pack, or per kg sold by weight"
    )
    units_written_off = models.BigIntegerField(default=0, help_text="Base units expired and written off")
    written_off_paise = models.BigIntegerField(default=0, help_text="Their value at the last selling price")

    class Meta:
        ordering = ["-date", "store_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["store_id", "sku_id", "date"], name="analytics_one_row_per_sku_day")
        ]
        indexes = [models.Index(fields=["date"], name="analytics_skuday_date")]

    def __str__(self) -> str:
        return f"{self.name or self.sku_id} at {self.store_id} {self.date}"


class StockLevel(models.Model):
    """What a store can sell of a SKU, as inventory last announced it (StockLevelChanged): not
    after every order, only when it moved by INVENTORY_LEVEL_STEP_PERCENT (or in/out of stock)."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    available = models.PositiveIntegerField(help_text="Base units")
    announced_at = models.DateTimeField(help_text="When inventory published the level kept here")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store_id", "sku_id"], name="analytics_one_level_per_stock")]

    def __str__(self) -> str:
        return f"{self.sku_id} at {self.store_id}: {self.available}"


class SkuForecast(models.Model):
    """A SKU's daily demand at a store, forecast from its last FORECAST_DAYS of SkuDay rows
    (daily task): the average day, the store's weekday shape, and the spread for safety stock."""

    store_id = models.UUIDField()
    sku_id = models.UUIDField()
    name = models.CharField(max_length=255, blank=True)
    sold_by = models.CharField(max_length=6, choices=SoldBy.choices, blank=True)
    computed_on = models.DateField(help_text="Made that morning, from the days before it")
    window_days = models.PositiveSmallIntegerField()
    units_in_window = models.BigIntegerField(help_text="Base units ordered in the window")
    average_daily = models.DecimalField(max_digits=16, decimal_places=3, help_text="Base units a day")
    stddev_daily = models.DecimalField(max_digits=16, decimal_places=3, help_text="Spread of a day's demand")
    #: The store's weekday shape, Monday first: a weekday's orders over an average day's (all 1.0
    #: when the store has not traded through the window).
    weekday_factors = models.JSONField(default=list)

    class Meta:
        ordering = ["store_id", "name"]
        constraints = [models.UniqueConstraint(fields=["store_id", "sku_id"], name="analytics_one_forecast_per_stock")]

    def __str__(self) -> str:
        return f"{self.name or self.sku_id} at {self.store_id}"
