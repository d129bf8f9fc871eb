"""The project's URLs. Apps are included by dotted string: shop imports no app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from shop import views

urlpatterns = [
    path("", views.storefront, name="storefront"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask every page's host for /favicon.ico unless the page names an icon (the pay
    # and callback pages, the admin): one icon for all, instead of a 404 each time.
    path("favicon.ico", views.favicon, name="favicon"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),  # /metrics
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("shop.accounts.api.urls")),
    # Each bounded app owns its URL space (its api/ and web pages).
    *[path("", include(f"{app}.urls")) for app in settings.BOUNDED_APPS],
]

handler404 = "shop.views.handler404"
handler500 = "shop.views.handler500"
