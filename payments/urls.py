"""The payments app's URL space: its API, Razorpay's webhook and callback, the pay page."""

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/payments/", include("payments.api.urls")),
    path("payments/razorpay/webhook/", views.razorpay_webhook, name="webhook"),
    path("payments/razorpay/callback/<uuid:intent_id>/", views.razorpay_callback, name="callback"),
    path("payments/pay/<uuid:intent_id>/", views.pay, name="pay"),
]
