"""/api/docs/ (Swagger UI) works offline: every asset it loads is one of our static files."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_the_api_docs_load_only_local_static_assets_and_they_are_served(settings: Settings, debug: bool) -> None:
    settings.DEBUG = debug  # make run serves with DEBUG on
    client = Client()

    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'<(?:script|link)[^>]*\b(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4, html  # the favicon, the stylesheet, the bundle, the standalone preset
    assert "//" not in "".join(assets), assets  # no CDN (cdn.jsdelivr.net @latest), no other host
    assert "cdn." not in html
    for url in assets:
        assert url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert len(body) > 100, url
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)
