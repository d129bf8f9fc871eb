"""The cart app's URL space."""

from django.urls import URLPattern, URLResolver, path

from .api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/cart/", views.CartApi.as_view(), name="cart"),
    path("api/v1/cart/lines/", views.CartLinesApi.as_view(), name="cart-lines"),
    path("api/v1/cart/lines/<uuid:line_id>/", views.CartLineApi.as_view(), name="cart-line"),
    path("api/v1/checkout/", views.CheckoutApi.as_view(), name="checkout"),
]
