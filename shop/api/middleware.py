"""Under /api/, an error page Django drew in HTML answers the API's error shape instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from rest_framework.response import Response

from .errors import json_404, json_500

API_PREFIX = "/api/"


class JsonApiErrorsMiddleware:
    """A URL under /api/ that resolves to nothing (`/api/v1/nonexistent/`, an order id that is
    not a UUID) and, while DEBUG is on (the embedded default), any 404 or 500 Django answers
    with its technical HTML page become {"error": {...}} like every other API error. With
    DEBUG off, shop.views.handler404/handler500 already answer JSON there; pages outside
    /api/ (and /api/docs/, which is HTML) keep Django's pages."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self._acall(request)
        return as_json_error(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        return as_json_error(request, await self.get_response(request))


def as_json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code not in (404, 500) or not request.path_info.startswith(API_PREFIX):
        return response
    if isinstance(response, Response) or not response.get("Content-Type", "").startswith("text/html"):
        return response  # the API's own answer (even rendered as HTML for a browser), or JSON already
    return json_404(request) if response.status_code == 404 else json_500(request)
