"""SlotOpened: every slot generated is announced once, with what the cart needs to check and price it."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from delivery import services
from delivery.events import SlotOpened
from delivery.models import Slot, Zone
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events

from .factories import SlotFactory, StoreFactory, ZoneFactory

MONDAY = date(2030, 1, 7)
SUNDAY_NOON = timezone.make_aware(datetime(2030, 1, 6, 12, 0))


def _templates(zone: Zone) -> None:
    services.set_slot_template(zone=zone, start_time=time(7), end_time=time(9), capacity=20, cutoff_minutes=60)
    services.set_slot_template(
        zone=zone, mode="express", start_time=time(8), end_time=time(9), capacity=4, cutoff_minutes=10
    )


def _opened(events: list) -> list[SlotOpened]:  # type: ignore[type-arg]
    return [event for event in events if isinstance(event, SlotOpened)]


@pytest.mark.django_db
def test_generating_slots_announces_each_new_slot_once() -> None:
    zone = ZoneFactory()
    _templates(zone)

    with captured_events() as published:
        created = services.generate_slots(days=3, start=MONDAY, now=SUNDAY_NOON)

    assert created == 6
    assert [type(event) for event in published] == [SlotOpened] * 6
    assert {event.slot_id for event in published} == set(Slot.objects.values_list("id", flat=True))
    express = Slot.objects.get(mode="express", date=MONDAY)
    assert next(e for e in published if e.slot_id == express.id) == SlotOpened(
        slot_id=express.id,
        zone_id=zone.id,
        store_id=zone.store_id,
        mode="express",
        starts_at=timezone.make_aware(datetime(2030, 1, 7, 8, 0)),
        ends_at=timezone.make_aware(datetime(2030, 1, 7, 9, 0)),
        cutoff_at=timezone.make_aware(datetime(2030, 1, 7, 7, 50)),
        capacity=4,
    )


@pytest.mark.django_db
def test_slots_that_already_exist_are_not_announced_again() -> None:
    zone = ZoneFactory()
    _templates(zone)
    services.generate_slots(days=2, start=MONDAY, now=SUNDAY_NOON)
    before = set(Slot.objects.values_list("id", flat=True))

    with captured_events() as rerun:
        again = services.generate_slots(days=2, start=MONDAY, now=SUNDAY_NOON)
    with captured_events() as longer:
        more = services.generate_slots(days=3, start=MONDAY, now=SUNDAY_NOON)

    assert (again, rerun) == (0, [])
    new = set(Slot.objects.values_list("id", flat=True)) - before
    assert (more, len(new)) == (2, 2)
    assert {event.slot_id for event in _opened(longer)} == new
    assert {event.starts_at.date() for event in _opened(longer)} == {date(2030, 1, 9)}


@pytest.mark.django_db
def test_a_window_made_by_hand_is_kept_and_not_announced_by_generation() -> None:
    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(7), end_time=time(9), capacity=20)
    mine = SlotFactory(
        zone=zone, starts_at=timezone.make_aware(datetime(2030, 1, 7, 7, 0)), capacity=3
    )  # the same window as Monday's

    with captured_events() as published:
        created = services.generate_slots(days=2, start=MONDAY, now=SUNDAY_NOON)

    assert created == 1
    assert [event.starts_at for event in _opened(published)] == [timezone.make_aware(datetime(2030, 1, 8, 7, 0))]
    mine.refresh_from_db()
    assert mine.capacity == 3


@pytest.mark.django_db
def test_the_stored_event_is_keyed_by_slot_and_reads_back_as_the_contract() -> None:
    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(19), end_time=time(21), capacity=20)

    with captured_events() as published:
        services.generate_slots(days=1, start=MONDAY, now=SUNDAY_NOON)

    record = EventRecord.objects.get(name="delivery.slot_opened.v1")
    slot = Slot.objects.get()
    assert record.key == str(slot.id)
    assert SlotOpened.model_validate(record.payload) == published[0]


@pytest.mark.django_db
def test_the_seed_the_command_and_the_task_announce_what_they_create() -> None:
    from delivery.tasks import generate_slots_task

    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(23), end_time=time(23, 30), capacity=5)

    with captured_events() as published:
        call_command("generate_delivery_slots", days=3, stdout=io.StringIO())
        generate_slots_task.delay(days=4).get()

    assert Counter(type(event) for event in published) == {SlotOpened: Slot.objects.count()}
    assert {event.slot_id for event in published} == set(Slot.objects.values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_announce_every_slot_exactly_once() -> None:
    zone = ZoneFactory(store_id=StoreFactory().store_id)
    for hour in range(6, 22):
        services.set_slot_template(zone=zone, start_time=time(hour), end_time=time(hour, 45), capacity=5)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = services.generate_slots(days=7, start=MONDAY, now=SUNDAY_NOON)
        except Exception as exc:  # a crash is a result the test asserts against
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slots = set(Slot.objects.values_list("id", flat=True))
    announced = Counter(EventRecord.objects.filter(name="delivery.slot_opened.v1").values_list("key", flat=True))
    assert len(slots) == 16 * 7
    assert sum(results) == len(slots)  # type: ignore[arg-type]
    assert announced == {str(slot_id): 1 for slot_id in slots}


@pytest.mark.django_db
def test_open_slots_can_be_announced_again_for_a_late_subscriber() -> None:
    zone = ZoneFactory()
    now = timezone.now()
    open_slot = SlotFactory(zone=zone, starts_at=now + timedelta(hours=3))
    SlotFactory(zone=zone, starts_at=now + timedelta(minutes=30))  # cut-off an hour before: closed
    SlotFactory(zone=zone, starts_at=now - timedelta(days=1))  # over
    out = io.StringIO()

    with captured_events() as published:
        call_command("announce_delivery_slots", stdout=out)

    assert [event.slot_id for event in published] == [open_slot.id]
    assert out.getvalue().strip() == "Announced 1 open slots."


@pytest.mark.django_db
def test_a_change_of_capacity_announces_the_slot_again_and_no_change_does_not() -> None:
    slot = SlotFactory(capacity=10)

    with captured_events() as published:
        services.set_slot_capacity(slot_id=slot.id, capacity=14)
        services.set_slot_capacity(slot_id=slot.id, capacity=14)  # the same: nothing new to say

    assert [(type(event), event.slot_id, event.capacity) for event in published] == [(SlotOpened, slot.id, 14)]
    assert published[0].starts_at == slot.starts_at  # the whole slot, as the cart keeps it


def test_an_announcement_published_before_capacity_was_added_still_reads() -> None:
    old = {
        "slot_id": "00000000-0000-0000-0000-000000000001", "zone_id": "00000000-0000-0000-0000-000000000002",
        "store_id": "00000000-0000-0000-0000-000000000003", "mode": "standard",
        "starts_at": "2030-01-07T07:00:00+05:30", "ends_at": "2030-01-07T09:00:00+05:30",
        "cutoff_at": "2030-01-07T06:00:00+05:30",
    }  # fmt: skip
    assert SlotOpened.model_validate(old).capacity is None
