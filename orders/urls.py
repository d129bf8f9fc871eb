"""The orders app's URL space (its API under /api/v1/ and web pages, if any)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
