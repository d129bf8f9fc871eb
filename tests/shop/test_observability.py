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


def test_statements_are_counted_timed_and_their_errors_typed(db: None) -> None:
    from django.db import DatabaseError, connection
    from django_prometheus.db.metrics import errors_total, execute_total, query_duration_seconds

    if connection.vendor != "postgresql":
        pytest.skip("the counted cursors are PostgreSQL's")

    # Read the series themselves: a registry scrape would run the bus's backlog query too.
    def figures() -> tuple[float, float, float]:
        histogram = {
            s.name: s.value for s in query_duration_seconds.collect()[0].samples if s.labels["alias"] == "default"
        }
        return (
            execute_total.labels("default", "postgresql")._value.get(),
            histogram.get("django_db_query_duration_seconds_count", 0.0),
            errors_total.labels("default", "postgresql", "UndefinedTable")._value.get(),
        )

    with connection.cursor() as cursor:
        before = figures()
        cursor.execute("SELECT 1")
        cursor.executemany("SELECT %s", [(1,), (2,)])
        with pytest.raises(DatabaseError):  # the test's transaction is rolled back after it
            cursor.execute("SELECT * FROM no_such_table")
        after = figures()

    # executemany counts its rows; the failed statement is counted, timed, and typed.
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (4, 3, 1)


def test_lines_below_the_level_stop_before_the_processors(monkeypatch) -> None:
    """A debug line under WARNING never reaches the renderer (nor the time stamper)."""
    import structlog

    logger = logging.getLogger("shop.level-probe")
    logger.setLevel(logging.WARNING)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    logger.addHandler(handler)
    stamped = []
    real = structlog.processors.TimeStamper.__call__
    monkeypatch.setattr(
        structlog.processors.TimeStamper, "__call__", lambda self, *a: (stamped.append(1), real(self, *a))[1]
    )
    try:
        log = structlog.get_logger("shop.level-probe")
        log.debug("not_wanted")
        log.warning("wanted")
    finally:
        logger.removeHandler(handler)
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["wanted"]
    assert len(stamped) == 1
