"""Orders' projection of inventory's stores, fed by StoreUpdated."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from inventory.events import StoreUpdated
from orders.handlers import record_store
from orders.models import Store
from shop.eventbus import publish
from shop.eventbus.context import handling
from shop.eventbus.models import Delivery
from shop.eventbus.registry import get_subscription
from shop.eventbus.services import replay_dead_letters
from shop.eventbus.testing import deliver_pending
from tests.inventory.factories import store_updated

pytestmark = pytest.mark.django_db

SUBSCRIBER = "orders.record_store"


def announce(event: StoreUpdated) -> None:
    with transaction.atomic():
        publish(event, key=event.store_id)


def handle(event: StoreUpdated, *, occurred_at: datetime) -> None:
    """Run the handler as a worker does (the bus tells it when the event was published)."""
    with handling(
        event_id=uuid.uuid4(),
        name=event.name,
        subscriber=SUBSCRIBER,
        correlation_id="test",
        request_id="",
        occurred_at=occurred_at,
    ):
        record_store(event)


def kept() -> list[tuple[uuid.UUID, str, str]]:
    return list(Store.objects.order_by("code").values_list("store_id", "code", "title"))


def test_a_published_store_reaches_the_orders_projection_and_its_changes_follow() -> None:
    store_id = uuid.uuid4()
    announce(store_updated(store_id))
    deliver_pending()
    assert kept() == [(store_id, "BLR-IND", "Indiranagar")]

    announce(store_updated(store_id, code="BLR-IND-2", title="Indiranagar 2nd Stage"))
    announce(store_updated(store_id, title="Indiranagar HAL 2nd Stage"))
    deliver_pending()

    assert kept() == [(store_id, "BLR-IND", "Indiranagar HAL 2nd Stage")]  # the last one published


def test_the_store_handler_is_idempotent_and_keeps_stores_apart() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    event, at = store_updated(first), timezone.now()

    handle(event, occurred_at=at)
    handle(event, occurred_at=at)  # a batch that failed elsewhere runs its handlers again
    handle(store_updated(second, code="BLR-KOR", title="Koramangala"), occurred_at=at)

    assert kept() == [(first, "BLR-IND", "Indiranagar"), (second, "BLR-KOR", "Koramangala")]
    assert Store.objects.get(pk=first).announced_at == at
    assert str(Store.objects.get(pk=first)) == "BLR-IND · Indiranagar"


def test_an_announcement_older_than_the_kept_one_is_ignored() -> None:
    store_id, at = uuid.uuid4(), timezone.now()
    handle(store_updated(store_id, title="Indiranagar 2nd Stage"), occurred_at=at)

    handle(store_updated(store_id, title="Indiranagar"), occurred_at=at - timedelta(seconds=1))

    assert kept() == [(store_id, "BLR-IND", "Indiranagar 2nd Stage")]
    assert Store.objects.get(pk=store_id).announced_at == at


def test_a_replayed_dead_letter_does_not_bring_back_an_old_name() -> None:
    store_id = uuid.uuid4()
    announce(store_updated(store_id, title="Indiranagar"))
    announce(store_updated(store_id, title="Indiranagar 2nd Stage"))
    first = Delivery.objects.filter(subscriber=SUBSCRIBER, key=str(store_id)).order_by("seq").first()
    assert first is not None
    # Orders' delivery of the first announcement died; the second went through.
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.DEAD, dead_at=timezone.now())
    deliver_pending()
    assert kept() == [(store_id, "BLR-IND", "Indiranagar 2nd Stage")]

    assert replay_dead_letters(Delivery.objects.filter(pk=first.pk)) == 1
    deliver_pending()

    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.DONE
    assert kept() == [(store_id, "BLR-IND", "Indiranagar 2nd Stage")]


def test_the_subscriber_has_the_name_operators_backfill_by() -> None:
    subscription = get_subscription(SUBSCRIBER)

    assert subscription is not None
    assert subscription.event_type is StoreUpdated
