from django.contrib import admin

from shop.adminkit import ReadOnlyAdmin

from .models import StoreDay, StoreHour


@admin.register(StoreDay)
class StoreDayAdmin(ReadOnlyAdmin):
    list_display = (
        "date", "store_id", "orders_confirmed", "gmv_paise", "average_order_paise", "cod_share_percent",
        "orders_cancelled", "orders_delivered", "lines_picked", "fill_rate_percent",
    )  # fmt: skip
    list_filter = ("date",)
    search_fields = ("=store_id",)
    date_hierarchy = "date"


@admin.register(StoreHour)
class StoreHourAdmin(ReadOnlyAdmin):
    list_display = ("hour", "store_id", "orders_confirmed", "gmv_paise", "average_order_paise")
    list_filter = ("hour",)
    search_fields = ("=store_id",)
    date_hierarchy = "hour"
