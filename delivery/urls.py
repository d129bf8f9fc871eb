"""The delivery app's URL space (its API under /api/v1/ and web pages, if any)."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/delivery/", include("delivery.api.urls")),
]
