"""Under /api/, an error page Django drew in HTML answers the API's error shape instead; a
NUL character where a query would meet it is a 400 everywhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse
from rest_framework.response import Response

from .errors import error_body, json_404, json_500

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
        return refuse_nul(request) or as_json_error(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        return refuse_nul(request) or as_json_error(request, await self.get_response(request))


#: Headers whose values reach a query (the rest PostgreSQL never sees).
_QUERIED_HEADERS = ("HTTP_IDEMPOTENCY_KEY",)


def refuse_nul(request: HttpRequest) -> HttpResponseBase | None:
    """A NUL character in the path, the query string or a header that reaches a query is a
    400 before any view runs: PostgreSQL cannot store or compare one in text, so a view
    would fail with a 500. (Request bodies are the serializers' to refuse, field by field.)"""
    values = [request.path, *request.GET.keys(), *(v for vs in request.GET.lists() for v in vs[1])]
    values += [request.META.get(header, "") for header in _QUERIED_HEADERS]
    if not any("\x00" in value for value in values):
        return None
    message = "The request's address, query or headers hold a NUL character."
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(error_body("bad_request", message), status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def as_json_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code not in (404, 500) or not request.path_info.startswith(API_PREFIX):
        return response
    if isinstance(response, Response) or not response.get("Content-Type", "").startswith("text/html"):
        return response  # the API's own answer (even rendered as HTML for a browser), or JSON already
    return json_404(request) if response.status_code == 404 else json_500(request)
