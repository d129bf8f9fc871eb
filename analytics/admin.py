from django.contrib import admin

from shop.adminkit import ReadOnlyAdmin

from .models import StoreDay


@admin.register(StoreDay)
class StoreDayAdmin(ReadOnlyAdmin):
    list_display = (
        "date", "store_id", "orders_confirmed", "gmv_paise", "average_order_paise", "cod_share_percent",
        "orders_cancelled", "orders_delivered",
    )  # fmt: skip
    list_filter = ("date",)
    search_fields = ("=store_id",)
    date_hierarchy = "date"
