from django.urls import path

from . import pages

urlpatterns = [
    path("razorpay/webhook/", pages.razorpay_webhook, name="webhook"),
    path("razorpay/callback/<uuid:intent_id>/", pages.razorpay_callback, name="callback"),
    path("pay/<uuid:intent_id>/", pages.pay, name="pay"),
]
