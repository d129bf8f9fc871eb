"""The orders app's websocket routes (gathered by shop.routing from WEBSOCKET_ROUTING)."""

from django.urls import path

from .consumers import OrderStatusConsumer

websocket_urlpatterns = [
    path("ws/v1/orders/<uuid:order_id>/", OrderStatusConsumer.as_asgi()),
]
