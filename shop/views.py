"""Process-level endpoints: the web shop's page, the server's front page, liveness, readiness, errors."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.defaults import page_not_found, server_error

from shop.accounts.api.serializers import UserOutput
from shop.api.errors import json_404, json_500


def _mode() -> str:
    return "embedded" if settings.EMBEDDED else "production"


@ensure_csrf_cookie  # the page's API calls send it back (X-CSRFToken) with the session cookie
def storefront(request: HttpRequest) -> HttpResponse:
    """The web shop: one page that talks to the public API, as any other client of the shop does.
    Who is signed in comes with the page (the session), so a visitor's first paint asks nothing."""
    me = UserOutput(request.user).data if request.user.is_authenticated else None  # as GET /api/v1/auth/me/
    return render(request, "shop/storefront.html", {"mode": _mode(), "me": me})


def about(request: HttpRequest) -> HttpResponse:
    """For developers and operators: the mode, the API docs, the admin, the probes."""
    return render(request, "shop/home.html", {"mode": _mode()})


@never_cache
def favicon(request: HttpRequest) -> HttpResponse:
    """The shop's icon for pages that name none (the pay and callback pages, the admin)."""
    return HttpResponsePermanentRedirect(static("shop/favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("readyz:probe", "1", timeout=5)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return what was written")
    return "ok"


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: its database and its Redis (cache) answer."""
    checks: dict[str, str] = {}
    for name, probe in (("database", _check_database), ("cache", _check_cache)):
        try:
            checks[name] = probe()
        except Exception as exc:  # any failure means "not ready"; say which
            checks[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": checks,
        "mode": "embedded" if settings.EMBEDDED else "production",
    }
    return JsonResponse(body, status=200 if ready else 503)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return page_not_found(request, exception or Exception("not found"))


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_500(request)
    return server_error(request)


class HealthProbeMiddleware:
    """/healthz, /readyz and /metrics answer before the host check, the HTTPS redirect and the
    rest of the stack: a load balancer or an orchestrator probes by IP address over plain
    HTTP, with a Host header DJANGO_ALLOWED_HOSTS does not list, and must still learn the
    truth; Prometheus scrapes each web process the same way (through the public proxy it
    would reach one process at random, and the proxy keeps /metrics from the public)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        if request.path_info == "/readyz":
            return readyz(request)
        if request.path_info == "/metrics":
            from django_prometheus.exports import ExportToDjangoView

            return ExportToDjangoView(request)
        return self.get_response(request)
