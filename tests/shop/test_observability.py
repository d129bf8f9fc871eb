"""Request ids and structured logs."""

import io
import json
import logging

import pytest
from django.test import Client

from shop.observability import REQUEST_ID_HEADER


@pytest.fixture
def log_lines():
    """Capture what the root handler would print, as parsed JSON lines."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(root.handlers[0].formatter)
    logger = logging.getLogger("shop.request")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_request_id_from_header_is_echoed_and_logged(client: Client, log_lines) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-abc-123")

    assert response[REQUEST_ID_HEADER] == "req-abc-123"
    lines = [line for line in log_lines() if line["event"] == "request_finished"]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "req-abc-123"
    assert lines[0]["path"] == "/healthz"
    assert lines[0]["status"] == 200
    assert lines[0]["level"] == "info"


def test_request_id_is_generated_when_missing_or_malformed(client: Client, log_lines) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")

    ids = [first[REQUEST_ID_HEADER], second[REQUEST_ID_HEADER]]
    assert all(len(value) == 32 for value in ids)
    assert ids[0] != ids[1]
    assert [line["request_id"] for line in log_lines() if line["event"] == "request_finished"] == ids


def test_metrics_endpoint_exposes_django_metrics(client: Client) -> None:
    client.get("/healthz")
    body = client.get("/metrics").content.decode()
    assert "django_http_requests_total_by_method_total" in body
