"""Slots: generated from templates, booked for an order within capacity, released on cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.db import create_or_get, one_or_none
from shop.eventbus import publish

from .. import selectors
from ..errors import Conflict
from ..events import BookingFailure, SlotBooked, SlotBookingFailed, SlotOpened, SlotReleased
from ..models import Slot, SlotBooking, SlotTemplate

#: The most orders one slot (or a template's slots) may take, and the earliest a cut-off may come
#: before a window (a week): far above any store's day, far below the 32-bit columns.
MAX_SLOT_CAPACITY = 10_000
MAX_CUTOFF_MINUTES = 7 * 24 * 60

_FAILURE_MESSAGES: dict[str, str] = {
    "full": "This slot is full; choose another.",
    "past_cutoff": "Bookings for this slot have closed; choose a later one.",
    "not_serviceable": "This slot does not deliver to that pincode.",
    "unknown_slot": "There is no such slot.",
}
#: Ids per lookup of the slots just inserted (SQLite's older builds allow 999 parameters).
_LOOKUP_BATCH = 500


@dataclass(frozen=True)
class BookingOutcome:
    """Either the order's booking, or why there is none."""

    booking: SlotBooking | None
    reason: BookingFailure | None = None

    @property
    def ok(self) -> bool:
        return self.booking is not None

    @property
    def message(self) -> str:
        return _FAILURE_MESSAGES[self.reason] if self.reason else "Booked."


@transaction.atomic
def generate_slots(*, days: int = 7, start: date | None = None, now: datetime | None = None) -> int:
    """Create the slots of every active template for `days` days from `start`; returns how many were new."""
    now = now or timezone.now()
    start = start or timezone.localdate(now)
    templates = SlotTemplate.objects.filter(is_active=True, zone__is_active=True).select_related("zone")
    wanted: list[Slot] = []
    for template in templates:
        for offset in range(days):
            day = start + timedelta(days=offset)
            if str(day.isoweekday()) not in template.weekdays:
                continue
            starts_at = selectors.local_datetime(on=day, at=template.start_time)
            ends_at = selectors.local_datetime(on=day, at=template.end_time)
            if ends_at <= now:
                continue
            wanted.append(
                Slot(
                    zone=template.zone,
                    store_id=template.zone.store_id,
                    mode=template.mode,
                    date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    cutoff_at=starts_at - timedelta(minutes=template.cutoff_minutes),
                    capacity=template.capacity,
                )
            )
    # Existing windows stay as they are (their bookings and any capacity staff changed).
    Slot.objects.bulk_create(wanted, ignore_conflicts=True)
    # The ids were drawn here, so those found now are the rows this insert wrote (a window
    # that already existed, or that a concurrent run inserted first, kept its own id).
    wanted_ids = [slot.id for slot in wanted]
    inserted: list[Slot] = []
    for at in range(0, len(wanted_ids), _LOOKUP_BATCH):
        inserted.extend(Slot.objects.filter(pk__in=wanted_ids[at : at + _LOOKUP_BATCH]))
    for slot in sorted(inserted, key=lambda s: (s.starts_at, s.mode, str(s.zone_id))):
        announce_slot(slot)
    return len(inserted)


def announce_slot(slot: Slot) -> None:
    """Publish SlotOpened for a slot as it stands, capacity included (in the caller's transaction)."""
    publish(
        SlotOpened(
            slot_id=slot.id,
            zone_id=slot.zone_id,
            store_id=slot.store_id,
            mode=slot.mode,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            cutoff_at=slot.cutoff_at,
            capacity=slot.capacity,
        ),
        key=slot.id,
    )


@transaction.atomic
def announce_open_slots(*, now: datetime | None = None) -> int:
    """Publish SlotOpened again for every slot still open for booking (cut-off ahead); returns how many.

    For a subscriber that joins late (slots generated before it listened): the event
    describes the slot as it is, so announcing it twice is harmless.
    """
    slots = Slot.objects.filter(cutoff_at__gt=now or timezone.now()).order_by("starts_at", "mode", "zone_id")
    count = 0
    for slot in slots.iterator(chunk_size=_LOOKUP_BATCH):
        announce_slot(slot)
        count += 1
    return count


def _refuse(*, order_id: UUID, slot_id: UUID, reason: BookingFailure) -> BookingOutcome:
    publish(
        SlotBookingFailed(order_id=order_id, slot_id=slot_id, reason=reason, message=_FAILURE_MESSAGES[reason]),
        key=order_id,
    )
    return BookingOutcome(booking=None, reason=reason)


def _replay(booking: SlotBooking, slot_id: UUID) -> BookingOutcome:
    """The answer to a repeated request for an order that already has a booking."""
    if booking.status == SlotBooking.Status.BOOKED and booking.slot_id == slot_id:
        return BookingOutcome(booking=booking)
    if booking.status == SlotBooking.Status.RELEASED:
        raise Conflict("This order's slot booking was released; a cancelled order cannot book again.")
    raise Conflict("This order already holds another slot; release it first.")


def _refusal(*, slot: Slot | None, pincode: str, now: datetime) -> BookingFailure | None:
    """Why this slot cannot be booked for this pincode now, before looking at capacity."""
    if slot is None:
        return "unknown_slot"
    # A pincode belongs to one zone: the slot's zone must be the one serving it (active, store open).
    if not selectors.serves(zone=slot.zone, pincode=pincode):
        return "not_serviceable"
    if slot.cutoff_at <= now:
        return "past_cutoff"
    return None


def book_slot(*, order_id: UUID, slot_id: UUID, pincode: str, now: datetime | None = None) -> BookingOutcome:
    """Book a slot for an order, never past capacity or cut-off; idempotent per order.

    A refusal is an outcome, not an exception: it is published (SlotBookingFailed) and
    committed, so the saga hears of it. A repeated request answers what the first one got,
    or raises Conflict (another slot, or released): raised after the transaction, which
    wrote nothing, so a caller that catches it can go on in its own.
    """
    booked = _book(order_id=order_id, slot_id=slot_id, pincode=pincode, now=now or timezone.now())
    return _replay(booked, slot_id) if isinstance(booked, SlotBooking) else booked


# No savepoint inside the caller's transaction (the saga's handler): nothing here raises
# for a caller to catch, and what fails, fails the caller.
@transaction.atomic(savepoint=False)
def _book(*, order_id: UUID, slot_id: UUID, pincode: str, now: datetime) -> BookingOutcome | SlotBooking:
    """The outcome of booking, or the order's earlier booking (for book_slot to replay)."""
    existing = one_or_none(SlotBooking.objects.filter(order_id=order_id))
    if existing is not None:
        return existing
    slot = one_or_none(Slot.objects.select_related("zone").filter(pk=slot_id))
    reason = _refusal(slot=slot, pincode=pincode, now=now)
    if slot is None or reason is not None:
        return _refuse(order_id=order_id, slot_id=slot_id, reason=reason or "unknown_slot")

    # The booking row first: a concurrent request for the same order waits on the
    # unique index here and then replays this one's result.
    booking, created = create_or_get(SlotBooking, {"order_id": order_id}, slot=slot, pincode=pincode)
    if not created:
        return booking

    # One conditional UPDATE: PostgreSQL re-checks the WHERE on the latest row version
    # after waiting for a concurrent booker's lock, so `booked` can never pass capacity.
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"), cutoff_at__gt=now).update(booked=F("booked") + 1)
    if not taken:
        booking.delete()
        return _refuse(order_id=order_id, slot_id=slot_id, reason="full")

    publish(
        SlotBooked(
            booking_id=booking.id,
            order_id=order_id,
            slot_id=slot.id,
            zone_id=slot.zone_id,
            store_id=slot.store_id,
            mode=slot.mode,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        ),
        key=order_id,
    )
    return BookingOutcome(booking=booking)


@transaction.atomic
def release_slot(*, order_id: UUID) -> SlotBooking | None:
    """Free an order's slot and restore its capacity; a second release (or none booked) does nothing."""
    booking = one_or_none(SlotBooking.objects.select_for_update().filter(order_id=order_id))
    if booking is None or booking.status == SlotBooking.Status.RELEASED:
        return booking
    booking.status = SlotBooking.Status.RELEASED
    booking.released_at = timezone.now()
    booking.save(update_fields=["status", "released_at"])
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    publish(SlotReleased(booking_id=booking.id, order_id=order_id, slot_id=booking.slot_id), key=order_id)
    return booking


@transaction.atomic
def set_slot_capacity(*, slot_id: UUID, capacity: int) -> Slot:
    """Change one slot's capacity (more riders, or closing it early); never below what is booked."""
    if capacity > MAX_SLOT_CAPACITY:
        raise ValidationError({"capacity": [f"A slot takes at most {MAX_SLOT_CAPACITY:,} orders."]})
    slot = Slot.objects.select_for_update().get(pk=slot_id)
    if capacity < slot.booked:
        raise ValidationError(
            {"capacity": [f"{slot.booked} orders are booked in this slot; capacity cannot go below that."]}
        )
    changed = capacity != slot.capacity
    slot.capacity = capacity
    slot.save(update_fields=["capacity"])
    if changed:  # the reports' capacity (one event; staff change a slot's capacity rarely)
        announce_slot(slot)
    return slot
