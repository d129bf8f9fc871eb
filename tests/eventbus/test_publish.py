"""publish(): atomic with the business write, only for registered events, with a full envelope."""

import uuid

import pytest
from django.db import transaction

from shop.eventbus import EventNotRegistered, PublishOutsideTransaction, publish
from shop.eventbus.models import Delivery, Event
from shop.eventbus.testing import captured_events
from shop.events import Event as EventBase
from shop.observability import clean_request_id
from tests.eventbus.busapp.events import Chained, ThingHappened


@pytest.mark.django_db
def test_publish_writes_event_envelope_and_one_delivery_per_subscriber() -> None:
    key = uuid.uuid4()
    with transaction.atomic():
        event_id = publish(ThingHappened(n=7), key=key)

    record = Event.objects.get(event_id=event_id)
    assert record.name == "busapp.thing_happened.v1"
    assert record.version == 1
    assert record.key == str(key)
    assert record.payload == {"n": 7}
    assert record.occurred_at is not None
    assert record.correlation_id
    assert record.causation_id is None
    # v1 goes to its own subscriber and, upcast, to the v2 subscriber.
    assert sorted(Delivery.objects.filter(event=record).values_list("subscriber", flat=True)) == [
        "busapp.record_thing",
        "busapp.record_thing_v2",
    ]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_event() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(ThingHappened(n=1), key="k")
        raise RuntimeError("the business write failed")

    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused_and_writes_nothing() -> None:
    with pytest.raises(PublishOutsideTransaction):
        publish(ThingHappened(n=1), key="k")
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_publishing_an_unregistered_event_is_refused() -> None:
    class Stray(EventBase):
        name = "nowhere.stray_thing.v1"
        n: int

    with transaction.atomic(), pytest.raises(EventNotRegistered):
        publish(Stray(n=1), key="k")
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_publishing_a_non_event_is_a_type_error() -> None:
    with transaction.atomic(), pytest.raises(TypeError):
        publish({"n": 1}, key="k")  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 151])
def test_bad_keys_are_refused(key: str) -> None:
    with transaction.atomic(), pytest.raises(ValueError, match="an event key must be"):
        publish(ThingHappened(n=1), key=key)
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_request_id_becomes_the_correlation_of_what_a_request_publishes() -> None:
    import structlog

    request_id = clean_request_id("req-42")
    with structlog.contextvars.bound_contextvars(request_id=request_id), transaction.atomic():
        event_id = publish(ThingHappened(n=1), key="k")
    record = Event.objects.get(event_id=event_id)
    assert record.request_id == "req-42"
    assert record.correlation_id == "req-42"


@pytest.mark.django_db
def test_captured_events_sees_what_a_block_published() -> None:
    with captured_events() as outer:
        with transaction.atomic():
            publish(ThingHappened(n=1), key="a")
        with captured_events() as inner, transaction.atomic():
            publish(Chained(n=2), key="b")
    assert outer == [ThingHappened(n=1), Chained(n=2)]
    assert inner == [Chained(n=2)]


def test_event_names_must_be_versioned() -> None:
    with pytest.raises(TypeError):

        class Bad(EventBase):
            name = "busapp.NotVersioned"
