"""The catalog app's URL space: its read-only API under /api/v1/catalog/."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/catalog/", include("catalog.api.urls")),
]
