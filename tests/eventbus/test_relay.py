"""The relay to RabbitMQ: the bus's events reach a broker's consumers, in order, at least once.

Against the RabbitMQ on 127.0.0.1:5672 (guest/guest), as the machine and CI run it.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from shop.eventbus import publish, registry, relay
from shop.eventbus.checks import check_subscriptions
from shop.eventbus.models import Delivery
from shop.eventbus.services import event_names_reaching
from shop.eventbus.testing import deliver_pending
from tests.eventbus.busapp.events import Poison, ThingHappened

pytestmark: list[pytest.MarkDecorator] = [pytest.mark.django_db]

BROKER = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


if not _broker_up():
    if os.environ.get("SHOP_RELAY_TESTS") == "required":
        raise RuntimeError("RabbitMQ is not answering on 127.0.0.1:5672, and SHOP_RELAY_TESTS=required")
    pytestmark.append(pytest.mark.skip(reason="no RabbitMQ on 127.0.0.1:5672"))


@pytest.fixture
def exchange_name() -> str:
    return f"shop.events.test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def relayed(exchange_name: str) -> Iterator[None]:
    """The relay subscribed, forwarding busapp's counter events only, to a fresh exchange."""
    saved = list(registry._subscriptions)
    with override_settings(
        EVENTBUS_RELAY_URL=BROKER, EVENTBUS_RELAY_EVENTS=["busapp.thing_*"], EVENTBUS_RELAY_EXCHANGE=exchange_name
    ):
        assert relay.install() is not None
        yield
    registry._subscriptions[:] = saved
    registry._clear_caches()
    relay._forget_connection()


@pytest.fixture
def consumer(exchange_name: str) -> Iterator[object]:
    """A queue bound to the exchange for every busapp event, as a lifted-out service would bind."""
    from kombu import Connection, Exchange, Queue

    with Connection(BROKER) as connection:
        exchange = Exchange(exchange_name, type="topic", durable=True)
        queue = Queue(
            f"{exchange_name}.consumer", exchange=exchange, routing_key="busapp.#", exclusive=True, auto_delete=True
        )
        bound = queue(connection.channel())
        bound.declare()
        yield bound
        exchange(connection.channel()).delete()


def _received(queue: object) -> list[dict]:
    messages = []
    while (message := queue.get(no_ack=True)) is not None:  # type: ignore[attr-defined]
        messages.append(
            {
                "body": json.loads(message.body),
                "routing_key": message.delivery_info["routing_key"],
                **message.properties,
            }
        )
    return messages


def _publish(event, key: str) -> uuid.UUID:
    with transaction.atomic():
        return publish(event, key=key)


def test_the_relay_forwards_the_events_it_is_told_to_in_each_keys_order(relayed: None, consumer: object) -> None:
    first = _publish(ThingHappened(n=1), key="a")
    _publish(Poison(mode="permanent"), key="a")  # not a relayed name
    second = _publish(ThingHappened(n=2), key="a")
    deliver_pending()

    messages = _received(consumer)
    assert [m["body"]["payload"] for m in messages] == [{"n": 1}, {"n": 2}]
    one = messages[0]
    assert one["routing_key"] == "busapp.thing_happened.v1"
    assert one["message_id"] == one["body"]["event_id"] == str(first)
    assert one["content_type"] == "application/json"
    assert one["delivery_mode"] == 2  # persistent
    assert one["application_headers"]["key"] == "a"
    assert {"name", "version", "key", "occurred_at", "correlation_id", "causation_id", "request_id"} <= set(one["body"])
    assert messages[1]["body"]["event_id"] == str(second)
    assert Delivery.objects.get(subscriber=relay.SUBSCRIBER, event__event_id=second).status == "done"
    assert not Delivery.objects.filter(subscriber=relay.SUBSCRIBER, event__name="busapp.poison.v1").exists()
    assert check_subscriptions() == []  # the relay is no contract subscriber: no system check fails


def test_while_the_broker_is_unreachable_the_relay_retries_and_then_catches_up(relayed: None, consumer: object) -> None:
    with override_settings(EVENTBUS_RELAY_URL="amqp://guest:guest@127.0.0.1:1//", EVENTBUS_RELAY_TIMEOUT_SECONDS=1):
        event_id = _publish(ThingHappened(n=7), key="b")
        deliver_pending()
        waiting = Delivery.objects.get(subscriber=relay.SUBSCRIBER, event__event_id=event_id)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert waiting.last_error  # why, for the operator
    assert _received(consumer) == []

    deliver_pending(ignore_backoff=True)  # the broker is back
    assert [m["body"]["event_id"] for m in _received(consumer)] == [str(event_id)]


def test_a_new_consumer_gets_the_stored_history_by_backfilling_the_relay(exchange_name: str, consumer: object) -> None:
    earlier = _publish(ThingHappened(n=3), key="c")  # before the relay was turned on
    deliver_pending()
    saved = list(registry._subscriptions)
    try:
        with override_settings(
            EVENTBUS_RELAY_URL=BROKER, EVENTBUS_RELAY_EVENTS=["busapp.thing_*"], EVENTBUS_RELAY_EXCHANGE=exchange_name
        ):
            relay.install()
            assert event_names_reaching(relay.SUBSCRIBER) == ("busapp.thing_happened.v1",)
            call_command("eventbus", "backfill", relay.SUBSCRIBER, stdout=StringIO())
            deliver_pending()
    finally:
        registry._subscriptions[:] = saved
        registry._clear_caches()
        relay._forget_connection()
    assert [m["body"]["event_id"] for m in _received(consumer)] == [str(earlier)]
