"""Reports for staff: a store's days and hours, slots' use, demand per SKU and day, reorder
advice; stores by name, money in rupees."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from shop.adminkit import ReadOnlyAdmin
from shop.money import format_inr

from . import selectors
from .models import SkuDay, SkuForecast, SlotUse, StockLevel, Store, StoreDay, StoreHour


class _StoreReport(ReadOnlyAdmin):
    """The store's "CODE · Title" (analytics' projection of inventory's stores) in each row,
    from one subquery; its short id until inventory has announced it."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        label = Store.objects.filter(store_id=OuterRef("store_id")).values("code")[:1]
        title = Store.objects.filter(store_id=OuterRef("store_id")).values("title")[:1]
        return super().get_queryset(request).annotate(store_code=Subquery(label), store_title=Subquery(title))

    @admin.display(description="store", ordering="store_code")
    def store(self, row: Any) -> str:
        code = getattr(row, "store_code", None)
        return f"{code} · {getattr(row, 'store_title', '')}" if code else str(row.store_id)[:8]

    @admin.display(description="GMV", ordering="gmv_paise")
    def gmv(self, row: StoreDay | StoreHour) -> str:
        return format_inr(row.gmv_paise)

    @admin.display(description="average order")
    def average_order(self, row: StoreDay | StoreHour) -> str:
        return format_inr(row.average_order_paise)


@admin.register(StoreDay)
class StoreDayAdmin(_StoreReport):
    list_display = (
        "date", "store", "orders_confirmed", "gmv", "average_order", "cod_share_percent",
        "coupon_orders", "discounts",
        "orders_cancelled", "orders_delivered", "lines_picked", "lines_short", "fill_rate",
        "lines_replaced", "substitution_rate",
        "refunds", "refunded", "refund_rate",
        "payment_success", "on_time", "minutes_late", "batches_expired", "written_off",
    )  # fmt: skip
    list_filter = ("date",)
    search_fields = ("=store_id",)
    date_hierarchy = "date"

    @admin.display(description="coupon discounts", ordering="discount_paise")
    def discounts(self, row: StoreDay) -> str:
        return format_inr(row.discount_paise)

    @admin.display(description="fill rate")
    def fill_rate(self, row: StoreDay) -> str:
        return _percent(row.fill_rate_percent)

    @admin.display(description="substitution rate")
    def substitution_rate(self, row: StoreDay) -> str:
        return _percent(row.substitution_rate_percent)

    @admin.display(description="refunded", ordering="refunded_paise")
    def refunded(self, row: StoreDay) -> str:
        return format_inr(row.refunded_paise)

    @admin.display(description="refund rate")
    def refund_rate(self, row: StoreDay) -> str:
        return _percent(row.refund_rate_percent)

    @admin.display(description="payment success")
    def payment_success(self, row: StoreDay) -> str:
        return _percent(row.payment_success_rate_percent)

    @admin.display(description="delivered on time")
    def on_time(self, row: StoreDay) -> str:
        return _percent(row.on_time_percent)

    @admin.display(description="average minutes late (late ones)")
    def minutes_late(self, row: StoreDay) -> str:
        return "—" if row.average_minutes_late is None else f"{row.average_minutes_late:.1f}"

    @admin.display(description="expiry write-offs", ordering="written_off_paise")
    def written_off(self, row: StoreDay) -> str:
        value = format_inr(row.written_off_paise)
        return f"{value} (+{row.batches_unvalued} not valued)" if row.batches_unvalued else value


def _percent(value: float | None) -> str:
    """75.0 -> "75.0 %"; a dash for a rate with nothing to divide by (nothing picked, no GMV)."""
    return "—" if value is None else f"{value:.1f} %"


@admin.register(StoreHour)
class StoreHourAdmin(_StoreReport):
    list_display = ("hour", "store", "orders_confirmed", "gmv", "average_order")
    list_filter = ("hour",)
    search_fields = ("=store_id",)
    date_hierarchy = "hour"


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "store_id", "announced_at")
    search_fields = ("code", "title", "=store_id")


@admin.register(SlotUse)
class SlotUseAdmin(_StoreReport):
    list_display = ("date", "window", "mode", "store", "capacity", "orders_confirmed", "orders_cancelled", "booked",
                    "utilisation")  # fmt: skip
    list_filter = ("date", "mode")
    search_fields = ("=store_id", "=slot_id")
    date_hierarchy = "date"

    @admin.display(description="window (IST)", ordering="starts_at")
    def window(self, row: SlotUse) -> str:
        if row.starts_at is None or row.ends_at is None:
            return "—"
        return f"{timezone.localtime(row.starts_at):%H:%M} to {timezone.localtime(row.ends_at):%H:%M}"

    @admin.display(description="booked")
    def booked(self, row: SlotUse) -> int:
        return row.booked

    @admin.display(description="utilisation")
    def utilisation(self, row: SlotUse) -> str:
        return _percent(row.utilisation_percent)


@admin.register(SkuDay)
class SkuDayAdmin(_StoreReport):
    list_display = ("date", "store", "name", "sold_by", "units_ordered", "orders", "sales", "units_written_off",
                    "written_off")  # fmt: skip
    list_filter = ("date", "sold_by")
    search_fields = ("name", "=sku_id", "=store_id")
    date_hierarchy = "date"

    @admin.display(description="sales", ordering="sales_paise")
    def sales(self, row: SkuDay) -> str:
        return format_inr(row.sales_paise)

    @admin.display(description="written off", ordering="written_off_paise")
    def written_off(self, row: SkuDay) -> str:
        return format_inr(row.written_off_paise)


@admin.register(SkuForecast)
class SkuForecastAdmin(_StoreReport):
    """Reorder advice: the forecast over ANALYTICS_LEAD_TIME_DAYS from today, the safety stock,
    what is available (as inventory last announced it) and what to order, in base units."""

    list_display = ("store", "name", "unit", "average_daily", "lead_time_demand", "safety_stock", "available",
                    "reorder", "computed_on")  # fmt: skip
    search_fields = ("name", "=sku_id", "=store_id")
    list_filter = ("sold_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        level = StockLevel.objects.filter(store_id=OuterRef("store_id"), sku_id=OuterRef("sku_id")).values("available")
        return super().get_queryset(request).annotate(available=Subquery(level[:1]))

    def _advice(self, row: SkuForecast) -> selectors.Advice:
        return selectors.advise(row, available=getattr(row, "available", None), days=selectors.lead_time_days())

    @admin.display(description="unit")
    def unit(self, row: SkuForecast) -> str:
        return "g" if row.sold_by == "weight" else "packs"

    @admin.display(description="demand over the lead time")
    def lead_time_demand(self, row: SkuForecast) -> str:
        return f"{self._advice(row).lead_time_demand:.1f}"

    @admin.display(description="safety stock")
    def safety_stock(self, row: SkuForecast) -> str:
        return f"{self._advice(row).safety_stock:.1f}"

    @admin.display(description="available")
    def available(self, row: SkuForecast) -> str:
        level = getattr(row, "available", None)
        return "—" if level is None else str(level)

    @admin.display(description="reorder")
    def reorder(self, row: SkuForecast) -> str:
        quantity = self._advice(row).reorder_quantity
        return "—" if quantity is None else str(quantity)
