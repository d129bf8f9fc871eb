"""The bus's settings, with their defaults (override any in Django settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # How many deliveries a worker claims at once; all run in one transaction,
    # each handler in its own savepoint.
    "EVENTBUS_BATCH_SIZE": 100,
    # How long a claim holds before another worker may take the delivery over.
    "EVENTBUS_LEASE_SECONDS": 60.0,
    # How long one deliver task keeps claiming before it yields the worker to other tasks.
    "EVENTBUS_RUN_SECONDS": 3.0,
    # A nudge waiting in the queue makes later commits skip theirs for up to this long.
    "EVENTBUS_NUDGE_COALESCE_SECONDS": 2.0,
    # Beat's sweep period: expired leases, and commits whose nudge was lost.
    "EVENTBUS_SWEEP_SECONDS": 2.0,
    # Send a Celery task on commit so workers start at once.
    "EVENTBUS_NUDGE_ON_COMMIT": True,
    # The Celery queue of the bus's tasks.
    "EVENTBUS_QUEUE": "celery",
    # Default retry policy of a subscriber.
    "EVENTBUS_RETRY_ATTEMPTS": 8,
    "EVENTBUS_RETRY_BASE_SECONDS": 1.0,
    "EVENTBUS_RETRY_MAX_SECONDS": 600.0,
    # Completed deliveries older than this may be pruned; the event log is kept longer.
    "EVENTBUS_EVENT_RETENTION_DAYS": 90,
    # The relay to an AMQP broker (shop.eventbus.relay): off unless a URL is set.
    "EVENTBUS_RELAY_URL": "",
    "EVENTBUS_RELAY_EVENTS": ["*"],
    "EVENTBUS_RELAY_EXCHANGE": "shop.events",
    "EVENTBUS_RELAY_TIMEOUT_SECONDS": 5.0,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
