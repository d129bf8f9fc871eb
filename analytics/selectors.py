"""Reads for the staff's reports."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from .models import StoreDay, StoreHour


def store_days(*, store_id: UUID | None, since: date, until: date) -> QuerySet[StoreDay]:
    days = StoreDay.objects.filter(date__gte=since, date__lte=until)
    return days if store_id is None else days.filter(store_id=store_id)


def store_hours(*, store_id: UUID | None, day: date) -> QuerySet[StoreHour]:
    """The hours of one local (Asia/Kolkata) day that had orders, earliest first."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    hours = StoreHour.objects.filter(hour__gte=start, hour__lt=start + timedelta(days=1))
    return hours if store_id is None else hours.filter(store_id=store_id)
