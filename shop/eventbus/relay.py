"""The relay: forwards stored events to an AMQP broker (RabbitMQ), for services outside.

An app lifted out into its own service keeps hearing the monolith's events, and other
services hear its events, through a broker. The relay is one more subscriber of the bus
(`eventbus.relay`) with the bus's guarantees: a delivery row per event in the publisher's
transaction, each key's events in publish order, retries with backoff while the broker is
down, dead letters and replay, `eventbus backfill eventbus.relay` for a new consumer.

Set `EVENTBUS_RELAY_URL` (e.g. `amqp://guest:guest@127.0.0.1:5672//`) to turn it on, and
`EVENTBUS_RELAY_EVENTS` to the event names it forwards (shell patterns: `orders.*`).
Each event is one persistent message on the topic exchange `EVENTBUS_RELAY_EXCHANGE`,
routing key the event's name (`orders.order_placed.v1`), body the envelope as JSON,
`message_id` the event id. The broker confirms each publish before the delivery is done.

At least once: a publish confirmed but not recorded (the worker dies between the two) is
sent again, so consumers skip event ids they have seen, as the bus's own inbox does.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from typing import TYPE_CHECKING, Any

import structlog
from django.core.serializers.json import DjangoJSONEncoder

from . import conf, registry

if TYPE_CHECKING:
    from kombu import Connection, Exchange

    from .models import Event as EventRecord

log = structlog.get_logger("shop.eventbus.relay")

SUBSCRIBER = "eventbus.relay"

_local = threading.local()


def install() -> registry.Subscription | None:
    """Subscribe the relay when EVENTBUS_RELAY_URL is set (at start-up, from the app's ready())."""
    url = conf.get("EVENTBUS_RELAY_URL")
    if not url or registry.get_subscription(SUBSCRIBER) is not None:
        return None
    patterns = tuple(conf.get("EVENTBUS_RELAY_EVENTS"))

    def takes_name(name: str) -> bool:
        # The bus's own events (dead-letter alerts) are the monolith's operations, no one's contract.
        return not name.startswith("eventbus.") and any(fnmatch.fnmatchcase(name, p) for p in patterns)

    return registry.subscribe_envelopes(
        name=SUBSCRIBER,
        takes_name=takes_name,
        handler=forward,
        # A broker down for hours is waited out (about 8 h of attempts), then dead-lettered.
        retry=registry.RetryPolicy(attempts=60, base_seconds=2.0, max_seconds=600.0),
        module=__name__,
    )


def envelope(record: EventRecord) -> dict[str, Any]:
    """What a consumer receives: the event and its trace, as the bus stored them."""
    return {
        "event_id": str(record.event_id),
        "name": record.name,
        "version": record.version,
        "key": record.key,
        "occurred_at": record.occurred_at.isoformat(),
        "correlation_id": record.correlation_id,
        "causation_id": str(record.causation_id) if record.causation_id else None,
        "request_id": record.request_id,
        "payload": record.payload,
    }


def forward(record: EventRecord) -> None:
    """Publish one stored event to the broker and wait for its confirmation (raises if none)."""
    connection, exchange = _connection()
    body = json.dumps(envelope(record), cls=DjangoJSONEncoder)
    try:
        producer = connection.Producer(exchange=exchange)
        producer.publish(
            body,
            routing_key=record.name,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,  # persistent
            message_id=str(record.event_id),
            correlation_id=record.correlation_id,
            headers={"key": record.key, "name": record.name},
            declare=[exchange],
            retry=False,  # the bus retries, with its backoff
            timeout=conf.get("EVENTBUS_RELAY_TIMEOUT_SECONDS"),
            confirm_timeout=conf.get("EVENTBUS_RELAY_TIMEOUT_SECONDS"),  # no confirmation in time: retried
        )
    except Exception:
        _forget_connection()  # a broken channel is not reused
        raise
    log.debug("eventbus_relayed", event_id=str(record.event_id), event_name=record.name)


def _connection() -> tuple[Connection, Exchange]:
    """This thread's connection to the broker (opened once, with publisher confirms)."""
    from kombu import Connection, Exchange

    url = conf.get("EVENTBUS_RELAY_URL")
    held = getattr(_local, "held", None)
    if held is not None and held[0] == url and held[1].connected:
        return held[1], held[2]
    _forget_connection()
    timeout = conf.get("EVENTBUS_RELAY_TIMEOUT_SECONDS")
    connection = Connection(url, connect_timeout=timeout, transport_options={"confirm_publish": True}, heartbeat=0)
    connection.ensure_connection(max_retries=1)  # fail fast: the bus retries, with its backoff
    exchange = Exchange(conf.get("EVENTBUS_RELAY_EXCHANGE"), type="topic", durable=True)
    _local.held = (url, connection, exchange)
    return connection, exchange


def _forget_connection() -> None:
    held = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        try:
            held[1].release()
        except Exception as exc:  # already broken: nothing more to close
            log.debug("eventbus_relay_close_failed", error=repr(exc))
