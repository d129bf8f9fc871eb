"""The inventory app's URL space: its staff API under /api/v1/inventory/."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/inventory/", include(("inventory.api.urls", "inventory"), namespace="inventory")),
]
