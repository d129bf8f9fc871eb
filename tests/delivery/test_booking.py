"""Booking a slot for an order: capacity, cut-off, serviceability, idempotency, release."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from delivery import services
from delivery.errors import Conflict
from delivery.events import SlotBooked, SlotBookingFailed, SlotReleased
from delivery.models import Slot, SlotBooking
from shop.eventbus.testing import captured_events

from .factories import SlotFactory, StoreFactory, ZoneFactory, ZonePincodeFactory


@pytest.mark.django_db
def test_booking_takes_one_place_and_announces_it(slot: Slot) -> None:
    order_id = uuid.uuid4()

    with captured_events() as published:
        outcome = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    assert outcome.ok
    assert outcome.booking is not None
    slot.refresh_from_db()
    assert slot.booked == 1
    assert published == [
        SlotBooked(
            booking_id=outcome.booking.id,
            order_id=order_id,
            slot_id=slot.id,
            zone_id=slot.zone_id,
            store_id=slot.store_id,
            mode="standard",
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )
    ]


@pytest.mark.django_db
def test_booking_twice_for_the_same_order_is_the_same_booking(slot: Slot) -> None:
    order_id = uuid.uuid4()
    first = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    with captured_events() as published:
        second = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    assert second.booking == first.booking
    assert published == []
    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.django_db
def test_an_order_holding_a_slot_cannot_book_another(slot: Slot) -> None:
    other = SlotFactory(zone=slot.zone, starts_at=slot.starts_at + timedelta(hours=2))
    order_id = uuid.uuid4()
    services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    with pytest.raises(Conflict):
        services.book_slot(order_id=order_id, slot_id=other.id, pincode="560038")

    other.refresh_from_db()
    assert other.booked == 0


@pytest.mark.django_db
def test_booking_after_the_cutoff_is_refused_and_announced(zone) -> None:
    now = timezone.now()
    slot = SlotFactory(zone=zone, starts_at=now + timedelta(minutes=30), cutoff_at=now - timedelta(minutes=30))
    order_id = uuid.uuid4()

    with captured_events() as published:
        outcome = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    assert outcome.booking is None
    assert outcome.reason == "past_cutoff"
    assert published == [
        SlotBookingFailed(
            order_id=order_id,
            slot_id=slot.id,
            reason="past_cutoff",
            message="Bookings for this slot have closed; choose a later one.",
        )
    ]
    slot.refresh_from_db()
    assert slot.booked == 0
    assert SlotBooking.objects.count() == 0


@pytest.mark.django_db
def test_booking_just_before_the_cutoff_succeeds(zone) -> None:
    now = timezone.now()
    slot = SlotFactory(zone=zone, starts_at=now + timedelta(minutes=61), cutoff_at=now + timedelta(minutes=1))

    outcome = services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560038", now=now)

    assert outcome.ok


@pytest.mark.django_db
def test_a_full_slot_refuses_with_reason_full(zone) -> None:
    slot = SlotFactory(zone=zone, capacity=1)
    services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560038")
    order_id = uuid.uuid4()

    with captured_events() as published:
        outcome = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    assert outcome.reason == "full"
    assert [type(e) for e in published] == [SlotBookingFailed]
    assert SlotBooking.objects.filter(order_id=order_id).exists() is False
    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.django_db
def test_a_pincode_outside_the_slots_zone_is_not_serviceable(slot: Slot) -> None:
    elsewhere = ZoneFactory(store_id=StoreFactory().store_id)
    ZonePincodeFactory(zone=elsewhere, pincode="560102")

    for pincode in ("560102", "110001"):
        outcome = services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode=pincode)
        assert outcome.reason == "not_serviceable"
    slot.refresh_from_db()
    assert slot.booked == 0


@pytest.mark.django_db
def test_a_closed_store_is_not_serviceable(slot: Slot, store) -> None:
    store.is_open = False
    store.save()

    outcome = services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560038")

    assert outcome.reason == "not_serviceable"


@pytest.mark.django_db
def test_an_unknown_slot_is_refused(zone) -> None:
    outcome = services.book_slot(order_id=uuid.uuid4(), slot_id=uuid.uuid4(), pincode="560038")

    assert outcome.reason == "unknown_slot"


@pytest.mark.django_db
def test_express_has_its_own_capacity(zone) -> None:
    starts_at = timezone.now() + timedelta(hours=3)
    standard = SlotFactory(zone=zone, mode="standard", starts_at=starts_at, capacity=1)
    express = SlotFactory(zone=zone, mode="express", starts_at=starts_at, capacity=2)
    services.book_slot(order_id=uuid.uuid4(), slot_id=standard.id, pincode="560038")

    outcomes = [services.book_slot(order_id=uuid.uuid4(), slot_id=express.id, pincode="560038") for _ in range(3)]

    assert [o.reason for o in outcomes] == [None, None, "full"]
    standard.refresh_from_db()
    express.refresh_from_db()
    assert (standard.booked, express.booked) == (1, 2)


@pytest.mark.django_db
def test_release_restores_capacity_once(slot: Slot) -> None:
    order_id = uuid.uuid4()
    booking = services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038").booking
    assert booking is not None

    with captured_events() as published:
        services.release_slot(order_id=order_id)
        services.release_slot(order_id=order_id)

    assert published == [SlotReleased(booking_id=booking.id, order_id=order_id, slot_id=slot.id)]
    slot.refresh_from_db()
    assert slot.booked == 0
    booking.refresh_from_db()
    assert booking.status == "released"
    assert booking.released_at is not None


@pytest.mark.django_db
def test_releasing_an_order_that_never_booked_does_nothing(slot: Slot) -> None:
    with captured_events() as published:
        assert services.release_slot(order_id=uuid.uuid4()) is None

    assert published == []


@pytest.mark.django_db
def test_a_released_order_cannot_book_again(slot: Slot) -> None:
    order_id = uuid.uuid4()
    services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")
    services.release_slot(order_id=order_id)

    with pytest.raises(Conflict):
        services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560038")

    slot.refresh_from_db()
    assert slot.booked == 0


@pytest.mark.django_db
def test_the_database_refuses_an_overbooked_slot(slot: Slot) -> None:
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity + 1)


def _in_parallel(count: int, work) -> list:  # type: ignore[no-untyped-def]
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # a crash is a result the test asserts against
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_of_ten_places_make_exactly_ten() -> None:
    zone = ZoneFactory(store_id=StoreFactory().store_id)
    ZonePincodeFactory(zone=zone, pincode="560034")
    slot = SlotFactory(zone=zone, capacity=10)
    orders = [uuid.uuid4() for _ in range(50)]

    outcomes = _in_parallel(50, lambda i: services.book_slot(order_id=orders[i], slot_id=slot.id, pincode="560034"))

    assert [type(o).__name__ for o in outcomes if not isinstance(o, services.BookingOutcome)] == []
    assert sum(1 for o in outcomes if o.ok) == 10
    assert sorted(o.reason for o in outcomes if not o.ok) == ["full"] * 40
    slot.refresh_from_db()
    assert slot.booked == 10
    assert SlotBooking.objects.filter(slot=slot, status="booked").count() == 10


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_for_one_order_take_one_place() -> None:
    zone = ZoneFactory(store_id=StoreFactory().store_id)
    ZonePincodeFactory(zone=zone, pincode="560034")
    slot = SlotFactory(zone=zone, capacity=10)
    order_id = uuid.uuid4()

    outcomes = _in_parallel(8, lambda i: services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560034"))

    assert {o.booking.id for o in outcomes} == {SlotBooking.objects.get(order_id=order_id).id}
    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_releases_restore_one_place() -> None:
    zone = ZoneFactory(store_id=StoreFactory().store_id)
    ZonePincodeFactory(zone=zone, pincode="560034")
    slot = SlotFactory(zone=zone, capacity=10)
    order_id = uuid.uuid4()
    services.book_slot(order_id=order_id, slot_id=slot.id, pincode="560034")
    services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560034")

    _in_parallel(8, lambda i: services.release_slot(order_id=order_id))

    slot.refresh_from_db()
    assert slot.booked == 1


@pytest.mark.django_db
def test_capacity_can_change_but_never_below_the_bookings(slot: Slot) -> None:
    from django.core.exceptions import ValidationError

    for _ in range(3):
        services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560038")

    assert services.set_slot_capacity(slot_id=slot.id, capacity=3).capacity == 3
    with pytest.raises(ValidationError):
        services.set_slot_capacity(slot_id=slot.id, capacity=2)
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (3, 3)
    assert services.book_slot(order_id=uuid.uuid4(), slot_id=slot.id, pincode="560038").reason == "full"


@pytest.mark.django_db
def test_a_capacity_above_the_bound_is_refused(slot: Slot) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="A slot takes at most 10,000 orders"):
        services.set_slot_capacity(slot_id=slot.id, capacity=2**32 + 10)

    slot.refresh_from_db()
    assert slot.capacity == 10
