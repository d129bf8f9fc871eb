"""The catalog app's URL space: its read-only API under /api/v1/catalog/."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/catalog/", include("catalog.api.urls")),
]

if settings.DEBUG:
    # The embedded run (`make run`) has no web server in front to serve the product images.
    urlpatterns += static(f"{settings.MEDIA_URL}catalog/", document_root=settings.MEDIA_ROOT / "catalog")
