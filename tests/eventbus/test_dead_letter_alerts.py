"""A dead letter is announced (DeliveryDeadLettered, in the transaction that records it)."""

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from shop.eventbus import publish
from shop.eventbus.delivery import claim, reap_expired_leases
from shop.eventbus.events import DeliveryDeadLettered
from shop.eventbus.models import Delivery, Event
from shop.eventbus.testing import captured_events, deliver_pending
from tests.eventbus.busapp.events import Poison

pytestmark = pytest.mark.django_db


def _announced() -> list[DeliveryDeadLettered]:
    return [
        DeliveryDeadLettered.model_validate(payload)
        for payload in Event.objects.filter(name=DeliveryDeadLettered.name).values_list("payload", flat=True)
    ]


def test_a_dead_letter_is_announced_with_what_staff_need_to_act() -> None:
    with transaction.atomic():
        event_id = publish(Poison(mode="permanent"), key="k1")

    deliver_pending(ignore_backoff=True)

    dead = Delivery.objects.get(subscriber="busapp.poisoned")
    [announced] = _announced()
    assert announced.delivery_id == dead.id
    assert (announced.subscriber, announced.event_id, announced.event_key) == ("busapp.poisoned", event_id, "k1")
    assert (announced.event_name, announced.error_kind, announced.attempts) == (Poison.name, "permanent", 1)
    assert announced.error == dead.last_error
    assert Event.objects.get(name=DeliveryDeadLettered.name).key == "busapp.poisoned"


def test_retries_are_not_announced_only_the_death() -> None:
    with transaction.atomic():
        publish(Poison(mode="transient"), key="k1")  # the subscriber's policy: 3 attempts

    with captured_events() as published:
        deliver_pending(ignore_backoff=True)

    assert [type(e) for e in published].count(DeliveryDeadLettered) == 1
    assert _announced()[0].attempts == 3


def test_a_worker_lost_too_often_is_announced_too() -> None:
    with transaction.atomic():
        publish(Poison(mode="transient"), key="k1")
    for _ in range(3):
        claim(token="doomed", batch_size=10)
        Delivery.objects.filter(subscriber="busapp.poisoned").update(lease_expires_at="2000-01-01T00:00:00Z")
        reap_expired_leases()

    [announced] = _announced()
    assert (announced.subscriber, announced.error_kind, announced.attempts) == ("busapp.poisoned", "lost", 3)


def test_a_dead_announcement_is_not_announced_again() -> None:
    """Were the alert's own subscriber to die, announcing that could go round forever."""
    with transaction.atomic():
        publish(
            DeliveryDeadLettered(
                delivery_id=1,
                subscriber="busapp.poisoned",
                event_id=uuid.uuid4(),
                event_name=Poison.name,
                event_key="k1",
                error_kind="permanent",
                error="boom",
                attempts=1,
                dead_at=timezone.now(),
            ),
            key="busapp.poisoned",
        )
    announcement = Event.objects.get(name=DeliveryDeadLettered.name)
    Event.objects.filter(pk=announcement.pk).update(payload={"broken": True})  # every subscriber of it dies

    deliver_pending(ignore_backoff=True)

    assert Delivery.objects.filter(event=announcement, status="dead").exists()
    assert Event.objects.filter(name=DeliveryDeadLettered.name).count() == 1
