from django.urls import path

from .views import StoreDaysApi

urlpatterns = [
    path("store-days/", StoreDaysApi.as_view(), name="store-days"),
]
