"""Counting: each handler adds its event to the store's day, once (the bus's inbox sees to it).

The counters join their handler's transaction without a savepoint: a failure fails the handler."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import StoreDay


def _add(store_id: UUID, day: date | None, **increments: int) -> None:
    day = day or timezone.localdate()
    StoreDay.objects.get_or_create(store_id=store_id, date=day)
    StoreDay.objects.filter(store_id=store_id, date=day).update(
        **{field: F(field) + amount for field, amount in increments.items()}
    )


@transaction.atomic(savepoint=False)
def count_confirmed(*, store_id: UUID, total_paise: int, cash_on_delivery: bool, day: date | None = None) -> None:
    _add(store_id, day, orders_confirmed=1, gmv_paise=total_paise, cod_orders=int(cash_on_delivery))


@transaction.atomic(savepoint=False)
def count_cancelled(*, store_id: UUID, reason: str, day: date | None = None) -> None:
    day = day or timezone.localdate()
    StoreDay.objects.get_or_create(store_id=store_id, date=day)
    row = StoreDay.objects.select_for_update().get(store_id=store_id, date=day)
    row.orders_cancelled += 1
    row.cancelled_by_reason = {**row.cancelled_by_reason, reason: row.cancelled_by_reason.get(reason, 0) + 1}
    row.save(update_fields=["orders_cancelled", "cancelled_by_reason"])


@transaction.atomic(savepoint=False)
def count_delivered(*, store_id: UUID, day: date | None = None) -> None:
    _add(store_id, day, orders_delivered=1)
