"""The payments app's URL space: its API, Razorpay's webhook and callback, the pay page."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/payments/", include("payments.api.urls")),
    path("payments/", include("payments.views.urls")),
]
