from django.urls import path

from .views import PaymentDetailApi, RefundCreateApi

urlpatterns = [
    path("orders/<uuid:order_id>/", PaymentDetailApi.as_view(), name="payment-detail"),
    path("orders/<uuid:order_id>/refunds/", RefundCreateApi.as_view(), name="refund-create"),
]
