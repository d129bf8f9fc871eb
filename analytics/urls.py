"""The analytics app's URL space: staff reports under /api/v1/analytics/."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/analytics/", include("analytics.api.urls")),
]
