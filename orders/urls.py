"""The orders app's URL space."""

from django.urls import URLPattern, URLResolver, path

from .api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/orders/", views.OrderListApi.as_view(), name="order-list"),
    path("api/v1/orders/<uuid:order_id>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("api/v1/orders/<uuid:order_id>/cancel/", views.OrderCancelApi.as_view(), name="order-cancel"),
    path("api/v1/orders/<uuid:order_id>/invoice/", views.OrderInvoiceApi.as_view(), name="order-invoice"),
]
