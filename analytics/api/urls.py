from django.urls import path

from .views import ReorderAdviceApi, SkuDaysApi, SlotsApi, StoreDaysApi, StoreHoursApi

urlpatterns = [
    path("store-days/", StoreDaysApi.as_view(), name="store-days"),
    path("store-hours/", StoreHoursApi.as_view(), name="store-hours"),
    path("slots/", SlotsApi.as_view(), name="slots"),
    path("sku-days/", SkuDaysApi.as_view(), name="sku-days"),
    path("reorder-advice/", ReorderAdviceApi.as_view(), name="reorder-advice"),
]
