"""Counting: each handler adds its event to the store's day, once (the bus's inbox sees to it)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import StoreDay


def _add(store_id: UUID, day: date | None, **increments: Any) -> StoreDay:
    day = day or timezone.localdate()
    StoreDay.objects.get_or_create(store_id=store_id, date=day)
    row = StoreDay.objects.select_for_update().get(store_id=store_id, date=day)
    for field, amount in increments.items():
        setattr(row, field, F(field) + amount)
    row.save(update_fields=list(increments))
    row.refresh_from_db()
    return row


@transaction.atomic
def count_confirmed(*, store_id: UUID, total_paise: int, cash_on_delivery: bool, day: date | None = None) -> StoreDay:
    return _add(store_id, day, orders_confirmed=1, gmv_paise=total_paise, cod_orders=int(cash_on_delivery))


@transaction.atomic
def count_cancelled(*, store_id: UUID, reason: str, day: date | None = None) -> StoreDay:
    row = _add(store_id, day, orders_cancelled=1)
    row.cancelled_by_reason = {**row.cancelled_by_reason, reason: row.cancelled_by_reason.get(reason, 0) + 1}
    row.save(update_fields=["cancelled_by_reason"])
    return row


@transaction.atomic
def count_delivered(*, store_id: UUID, day: date | None = None) -> StoreDay:
    return _add(store_id, day, orders_delivered=1)
