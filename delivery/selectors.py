"""Read queries of the delivery app: serviceability, slots, shipments a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from shop.accounts.models import User
from shop.db import one_or_none
from shop.eventbus.models import Event as EventRecord

from .events import FeePolicy, FeeTier, ShipmentDelivered, ShipmentDeliveryFailed, ShipmentOutForDelivery
from .models import Rider, Shipment, Slot, Store, Zone
from .models.shipments import ACTIVE_STATES
from .models.slots import SlotMode


@dataclass(frozen=True)
class Serviceability:
    """What the shop can promise a pincode: its zone and store, fees and the next slots."""

    zone: Zone
    store: Store
    fee_policy: FeePolicy
    next_slot: Slot | None
    next_express_slot: Slot | None


def fee_policy(*, zone: Zone) -> FeePolicy:
    """The zone's fee policy as the published contract carries it."""
    return FeePolicy(
        min_order_value_paise=zone.min_order_value_paise,
        fee_tiers=tuple(FeeTier(**tier) for tier in zone.fee_tiers),
        small_cart_threshold_paise=zone.small_cart_threshold_paise,
        small_cart_fee_paise=zone.small_cart_fee_paise,
        late_night_start=zone.late_night_start,
        late_night_end=zone.late_night_end,
        late_night_fee_paise=zone.late_night_fee_paise,
        express_fee_paise=zone.express_fee_paise,
    )


def _serving(pincode: str) -> QuerySet[Zone]:
    """The zone serving a pincode, if any: active, with its store open (a pincode belongs to one zone)."""
    open_store = Store.objects.filter(store_id=OuterRef("store_id"), is_open=True)
    return Zone.objects.filter(pincodes__pincode=pincode, is_active=True).filter(Exists(open_store))


def _served(*, pincode: str) -> tuple[Zone, Store] | None:
    """The active zone serving a pincode and its store, if the store is open."""
    zone = one_or_none(_serving(pincode))
    if zone is None:
        return None
    store = one_or_none(Store.objects.filter(store_id=zone.store_id, is_open=True))
    return (zone, store) if store else None


def serves(*, zone: Zone, pincode: str) -> bool:
    """Whether `zone` is the one serving `pincode` now: one query (a slot booking's check)."""
    return _serving(pincode).filter(pk=zone.pk).exists()


def zone_for_pincode(*, pincode: str) -> Zone | None:
    """The active zone serving a pincode whose store is open, or None."""
    return one_or_none(_serving(pincode))


def open_slots(
    *, zone: Zone, mode: str | None = None, on: date | None = None, now: datetime | None = None
) -> QuerySet[Slot]:
    """Slots of a zone still open for booking (before their cut-off), soonest first."""
    now = now or timezone.now()
    slots = Slot.objects.filter(zone=zone, cutoff_at__gt=now)
    if mode:
        slots = slots.filter(mode=mode)
    if on:
        slots = slots.filter(date=on)
    return slots.order_by("starts_at", "mode")


def next_available_slot(*, zone: Zone, mode: str, now: datetime | None = None) -> Slot | None:
    """The soonest slot of a mode that still has room."""
    return open_slots(zone=zone, mode=mode, now=now).filter(booked__lt=F("capacity")).first()


def serviceability(*, pincode: str, now: datetime | None = None) -> Serviceability | None:
    """Whether a pincode is served, by which store, at what fees and from which slot; None if not."""
    served = _served(pincode=pincode)
    if served is None:
        return None
    zone, store = served
    return Serviceability(
        zone=zone,
        store=store,
        fee_policy=fee_policy(zone=zone),
        next_slot=next_available_slot(zone=zone, mode=SlotMode.STANDARD, now=now),
        next_express_slot=next_available_slot(zone=zone, mode=SlotMode.EXPRESS, now=now),
    )


def rider_for_user(*, user: User) -> Rider | None:
    """The active rider a logged-in user is, if any."""
    return Rider.objects.filter(user_id=user.pk, is_active=True).first()


def shipments_for(*, user: User) -> QuerySet[Shipment]:
    """Staff see every shipment, a rider only theirs, anyone else none."""
    shipments = Shipment.objects.select_related("rider", "slot").prefetch_related("lines")
    if user.is_staff:
        return shipments
    rider = rider_for_user(user=user)
    if rider is None:
        return shipments.none()
    return shipments.filter(rider=rider)


def rider_loads(*, store_id: UUID) -> QuerySet[Rider]:
    """A store's riders on shift, each with the number of shipments they carry now, least loaded first."""
    return (
        Rider.objects.filter(store_id=store_id, is_active=True, is_available=True)
        .annotate(load=Count("shipments", filter=Q(shipments__status__in=ACTIVE_STATES)))
        .order_by("load", "created_at", "id")
    )


def local_datetime(*, on: date, at: time) -> datetime:
    """A local (Asia/Kolkata) date and time as an aware datetime."""
    return timezone.make_aware(datetime.combine(on, at), timezone.get_default_timezone())


def store_label() -> Subquery:
    """A row's store as "CODE · Title" from delivery's projection of inventory's stores (annotate a
    queryset with a `store_id` column; null until inventory announced the store): one subquery on the
    projection's primary key, no query per row."""
    return Subquery(
        Store.objects.filter(store_id=OuterRef("store_id"))
        .annotate(label=Concat("code", Value(" · "), "title"))
        .values("label")[:1]
    )


def store_choices() -> list[tuple[str, str]]:
    """Every store delivery knows, as (store id, "CODE · Title"), by code: one query (a list filter's choices)."""
    stores = Store.objects.order_by("code").values_list("store_id", "code", "title")
    return [(str(store_id), f"{code} · {title}") for store_id, code, title in stores]


def rider_choices(*, store_id: UUID | None = None) -> list[tuple[str, str]]:
    """Riders (of one store, if given) as (rider id, name), inactive ones said so: one query."""
    riders = Rider.objects.order_by("name", "id")
    if store_id is not None:
        riders = riders.filter(store_id=store_id)
    return [
        (str(rider_id), name if is_active else f"{name} (inactive)")
        for rider_id, name, is_active in riders.values_list("id", "name", "is_active")
    ]


@dataclass(frozen=True)
class Attempt:
    """One trip to the door: when the rider left, who, and how it ended (`outcome`: "out" while on the
    road, "delivered", "failed" with the `reason` code, or "unknown" when no record of it is left)."""

    number: int
    rider_name: str = ""
    dispatched_at: datetime | None = None
    outcome: str = "unknown"
    reason: str = ""
    ended_at: datetime | None = None


_ATTEMPT_EVENTS = (ShipmentOutForDelivery.name, ShipmentDeliveryFailed.name, ShipmentDelivered.name)


def delivery_attempts(*, shipment: Shipment) -> list[Attempt]:
    """The shipment's attempts, first first, read from the events it published (the shipment row keeps
    only the last failure's reason, and a new attempt clears it): two queries, the events of its order
    and the riders' names. An attempt whose events the bus pruned (EVENTBUS_EVENT_RETENTION_DAYS) is
    "unknown", but for the current failure, which the row still holds."""
    records = (
        EventRecord.objects.filter(key=str(shipment.order_id), name__in=_ATTEMPT_EVENTS)
        .order_by("seq")
        .values_list("name", "payload")
    )
    trips: dict[int, dict[str, Any]] = {}
    last = 0
    for name, payload in records:
        if payload.get("shipment_id") != str(shipment.pk):
            continue
        if name == ShipmentOutForDelivery.name:
            last = int(payload["attempt"])
            trips[last] = {
                "rider_id": payload.get("rider_id"),
                "dispatched_at": _parse(payload.get("dispatched_at")),
                "outcome": "out",
            }
        elif name == ShipmentDeliveryFailed.name:
            trip = trips.setdefault(int(payload["attempt"]), {})
            trip.update(outcome="failed", reason=payload.get("reason", ""), ended_at=_parse(payload.get("failed_at")))
        elif last:  # delivered: the attempt under way
            trips[last].update(outcome="delivered", ended_at=_parse(payload.get("delivered_at")))
    rider_ids = {trip["rider_id"] for trip in trips.values() if trip.get("rider_id")}
    names = {str(pk): name for pk, name in Rider.objects.filter(pk__in=rider_ids).values_list("id", "name")}
    attempts = []
    for number in range(1, max([shipment.attempts, *trips]) + 1):
        trip = trips.get(number, {})
        if number == shipment.attempts and shipment.failure_reason and trip.get("outcome") != "failed":
            trip = {**trip, "outcome": "failed", "reason": shipment.failure_reason, "ended_at": shipment.failed_at}
        rider_id = trip.get("rider_id")
        attempts.append(
            Attempt(
                number=number,
                rider_name=names.get(rider_id, str(rider_id)[:8]) if rider_id else "",
                dispatched_at=trip.get("dispatched_at"),
                outcome=trip.get("outcome", "unknown"),
                reason=trip.get("reason", ""),
                ended_at=trip.get("ended_at"),
            )
        )
    return attempts


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
