"""publish(): write an event and its deliveries in the caller's transaction."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any
from uuid import UUID

import structlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from shop.events import Event

from . import conf, metrics, registry
from .context import current_trace
from .errors import EventNotRegistered, PublishOutsideTransaction
from .models import Delivery
from .models import Event as EventRecord

log = structlog.get_logger("shop.eventbus")

#: Set while a nudge waits in the broker's queue; the deliver task clears it as it starts.
#: Without it a busy shop queues a task per commit, and other tasks starve behind them.
NUDGE_WAITING_KEY = "eventbus:nudge-waiting"

MAX_KEY_LENGTH = 150

# captured_events() stacks, per thread: every publish is appended to each open capture.
_captures = threading.local()


def publish(event: Event, *, key: UUID | str | int) -> UUID:
    """Store `event` in the outbox, in the current transaction; returns its event id.

    Publish inside `transaction.atomic()` with the business write it describes: the
    event exists if and only if that transaction commits. `key` is the aggregate id;
    events of one key reach each subscriber in publish order.
    """
    if not isinstance(event, Event):
        raise TypeError(f"publish() takes a shop.events.Event, not {type(event).__name__}")
    registered = registry.get_event_type(event.name)
    if registered is not type(event):
        raise EventNotRegistered(
            f"{type(event).__qualname__} ({event.name or 'no name'}) "
            "is not declared in an installed app's events module"
        )
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise PublishOutsideTransaction(
            f"publish({event.name}) must run inside transaction.atomic() with the write it announces"
        )
    key_text = str(key)
    if not key_text or len(key_text) > MAX_KEY_LENGTH:
        raise ValueError(f"an event key must be 1-{MAX_KEY_LENGTH} characters, got {key_text!r}")

    trace = current_trace()
    now = timezone.now()
    event_id = uuid.uuid4()
    subscribers = list(registry.subscribers_for(event.name))
    fields = {
        "event_id": event_id,
        "name": event.name,
        "version": event.version(),
        "key": key_text,
        "payload": event.model_dump(mode="json"),
        "occurred_at": now,
        "correlation_id": trace.correlation_id,
        "causation_id": trace.causation_id,
        "request_id": trace.request_id,
    }
    if connection.vendor == "postgresql":
        _insert_in_one_statement(connection, fields, subscribers)
    else:
        record = EventRecord.objects.create(**fields)
        Delivery.objects.bulk_create(
            [
                Delivery(event=record, subscriber=name, key=key_text, seq=record.seq, available_at=now)
                for name in subscribers
            ]
        )
    if subscribers:
        nudge_on_commit(connection)
    metrics.published.labels(event=event.name).inc()
    for capture in getattr(_captures, "stack", ()):
        capture.append(event)
    log.debug("event_published", event_id=str(event_id), event_name=event.name, key=key_text)
    return event_id


# One round trip instead of three (publishing is on every write path):
# 1. Publishers of one key queue on the advisory lock until commit, so the key's seq order
#    is its commit order: a reader never sees seq N+1 of a key before seq N. The event row
#    is selected FROM the lock, so its seq is drawn only once the lock is held.
# 2. The event row; 3. a pending delivery per subscriber (columns as the model's defaults).
_PUBLISH_SQL = """
WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 7301))),
event AS (
    INSERT INTO {event} (event_id, name, version, key, payload, occurred_at, correlation_id, causation_id, request_id)
    SELECT %(event_id)s, %(name)s, %(version)s, %(key)s, %(payload)s::jsonb, %(occurred_at)s, %(correlation_id)s,
           %(causation_id)s, %(request_id)s
    FROM locked
    RETURNING seq
),
deliveries AS (
    INSERT INTO {delivery} (event_id, subscriber, key, seq, status, attempts, available_at, claimed_by,
                            error_kind, error_type, last_error, last_traceback, replays)
    SELECT event.seq, subscriber, %(key)s, event.seq, %(pending)s, 0, %(occurred_at)s, '', '', '', '', '', 0
    FROM event, unnest(%(subscribers)s::varchar[]) AS subscriber
)
SELECT 1
"""


def _insert_in_one_statement(connection: BaseDatabaseWrapper, fields: dict[str, Any], subscribers: list[str]) -> None:
    sql = _PUBLISH_SQL.format(
        event=connection.ops.quote_name(EventRecord._meta.db_table),
        delivery=connection.ops.quote_name(Delivery._meta.db_table),
    )
    params = {
        **fields,
        "payload": json.dumps(fields["payload"], cls=DjangoJSONEncoder),
        "pending": Delivery.Status.PENDING,
        "subscribers": subscribers,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def nudge_on_commit(connection: BaseDatabaseWrapper) -> None:
    """Once per transaction: after commit, tell the workers there is work."""
    if not conf.get("EVENTBUS_NUDGE_ON_COMMIT"):
        return
    # Django drops the callbacks of a rolled-back savepoint from this list, so the
    # check stays true to what will actually run.
    if any(entry[1] is _nudge for entry in connection.run_on_commit):
        return
    transaction.on_commit(_nudge, robust=True)


def _nudge() -> None:
    from shop.celery import app, send_once

    from .delivery import is_delivering
    from .tasks import deliver_task

    if app.conf.task_always_eager and is_delivering():
        return  # in-process: the delivery loop running in this thread takes the new events
    try:
        # One nudge waiting in the queue is enough: it delivers everything committed.
        send_once(
            deliver_task,
            waiting_key=NUDGE_WAITING_KEY,
            coalesce_seconds=conf.get("EVENTBUS_NUDGE_COALESCE_SECONDS"),
            queue=conf.get("EVENTBUS_QUEUE"),
            retry=False,
        )
    except Exception as exc:
        # The events are committed; beat's sweep delivers them without the nudge.
        metrics.nudge_failures.inc()
        log.warning("eventbus_nudge_failed", error=repr(exc))
