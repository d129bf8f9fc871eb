from django.urls import path

from .views import StoreDaysApi, StoreHoursApi

urlpatterns = [
    path("store-days/", StoreDaysApi.as_view(), name="store-days"),
    path("store-hours/", StoreHoursApi.as_view(), name="store-hours"),
]
