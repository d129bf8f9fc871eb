"""publish(): write an event and its deliveries in the caller's transaction."""

from __future__ import annotations

import threading
import uuid
from uuid import UUID

import structlog
from django.core.cache import cache
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

    if connection.vendor == "postgresql":
        # Publishers of one key queue here until commit, so the key's seq order is
        # its commit order: a reader never sees seq N+1 of a key before seq N.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7301))", [key_text])

    trace = current_trace()
    now = timezone.now()
    record = EventRecord.objects.create(
        event_id=uuid.uuid4(),
        name=event.name,
        version=event.version(),
        key=key_text,
        payload=event.model_dump(mode="json"),
        occurred_at=now,
        correlation_id=trace.correlation_id,
        causation_id=trace.causation_id,
        request_id=trace.request_id,
    )
    subscribers = registry.subscribers_for(event.name)
    if subscribers:
        Delivery.objects.bulk_create(
            [
                Delivery(event=record, subscriber=name, key=key_text, seq=record.seq, available_at=now)
                for name in subscribers
            ]
        )
        nudge_on_commit(connection)
    metrics.published.labels(event=event.name).inc()
    for capture in getattr(_captures, "stack", ()):
        capture.append(event)
    log.debug("event_published", event_id=str(record.event_id), event_name=event.name, key=key_text)
    return record.event_id


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
    from shop.celery import app

    from .delivery import is_delivering
    from .tasks import deliver_task

    if app.conf.task_always_eager:
        if is_delivering():
            return  # in-process: the delivery loop running in this thread takes the new events
    elif not cache.add(NUDGE_WAITING_KEY, 1, timeout=conf.get("EVENTBUS_NUDGE_COALESCE_SECONDS")):
        return  # a nudge is already waiting in the queue: one is enough, it delivers everything

    try:
        deliver_task.apply_async(queue=conf.get("EVENTBUS_QUEUE"), retry=False)
    except Exception as exc:
        # The events are committed; beat's sweep delivers them without the nudge.
        metrics.nudge_failures.inc()
        log.warning("eventbus_nudge_failed", error=repr(exc))
