"""Reports for staff: a store's days and hours, stores by name, money in rupees."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from shop.adminkit import ReadOnlyAdmin
from shop.money import format_inr

from .models import Store, StoreDay, StoreHour


class _StoreReport(ReadOnlyAdmin):
    """The store's "CODE · Title" (analytics' projection of inventory's stores) in each row,
    from one subquery; its short id until inventory has announced it."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        label = Store.objects.filter(store_id=OuterRef("store_id")).values("code")[:1]
        title = Store.objects.filter(store_id=OuterRef("store_id")).values("title")[:1]
        return super().get_queryset(request).annotate(store_code=Subquery(label), store_title=Subquery(title))

    @admin.display(description="store", ordering="store_code")
    def store(self, row: StoreDay | StoreHour) -> str:
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
