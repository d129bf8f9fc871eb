"""Reads for the staff's reports."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db.models import QuerySet

from .models import StoreDay


def store_days(*, store_id: UUID | None, since: date, until: date) -> QuerySet[StoreDay]:
    days = StoreDay.objects.filter(date__gte=since, date__lte=until)
    return days if store_id is None else days.filter(store_id=store_id)
