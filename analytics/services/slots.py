"""Slot utilisation: places booked in a delivery slot (orders confirmed for it, less those
cancelled since) against its capacity as delivery announced it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shop.db import create_or_get

from ..models import SlotUse
from ._upsert import add_rows


@transaction.atomic(savepoint=False)
def count_slot_booking(*, slot_id: UUID, store_id: UUID, starts_at: datetime | None, ends_at: datetime | None) -> None:
    """An order confirmed for the slot: one more place booked (one statement; the slot's row is
    made if delivery's announcement has not come yet)."""
    add_rows(
        SlotUse,
        keys=["slot_id"],
        rows=[
            {
                "slot_id": slot_id,
                "store_id": store_id,
                "date": timezone.localdate(starts_at) if starts_at else None,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "orders_confirmed": 1,
            }
        ],
        add=["orders_confirmed"],
    )


def record_slot(
    *,
    slot_id: UUID,
    store_id: UUID,
    zone_id: UUID,
    mode: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    announced_at: datetime,
) -> bool:
    """The slot as delivery last announced it (SlotOpened), unless a later announcement is kept
    already (a replayed dead letter comes after its successors); an announcement without a
    capacity (published before it was added) keeps the capacity known. Returns whether applied."""
    values = {
        "store_id": store_id,
        "zone_id": zone_id,
        "mode": mode,
        "date": timezone.localdate(starts_at),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "announced_at": announced_at,
    }
    if capacity is not None:
        values["capacity"] = capacity
    not_newer = Q(announced_at__isnull=True) | Q(announced_at__lte=announced_at)
    with transaction.atomic():
        if SlotUse.objects.filter(not_newer, slot_id=slot_id).update(**values):
            return True
        _, created = create_or_get(SlotUse, {"slot_id": slot_id}, **values)
        if created:
            return True
        # An order's confirmation made the row meanwhile (or a later announcement is there).
        return bool(SlotUse.objects.filter(not_newer, slot_id=slot_id).update(**values))
