"""The project's URLs plus views that fail, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from shop.urls import handler404, handler500
from shop.urls import urlpatterns as shop_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("api/v1/boom/", boom), path("boom/", boom), *shop_urlpatterns]
