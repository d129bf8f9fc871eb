"""Reads for the staff's reports."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import SkuDay, SkuForecast, SlotUse, StockLevel, StoreDay, StoreHour

_MILLI = Decimal("0.001")


def store_days(*, store_id: UUID | None, since: date, until: date) -> QuerySet[StoreDay]:
    days = StoreDay.objects.filter(date__gte=since, date__lte=until)
    return days if store_id is None else days.filter(store_id=store_id)


def store_hours(*, store_id: UUID | None, day: date) -> QuerySet[StoreHour]:
    """The hours of one local (Asia/Kolkata) day that had orders, earliest first."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    hours = StoreHour.objects.filter(hour__gte=start, hour__lt=start + timedelta(days=1))
    return hours if store_id is None else hours.filter(store_id=store_id)


def slot_uses(*, store_id: UUID | None, since: date, until: date) -> QuerySet[SlotUse]:
    """The slots of the local days `since`..`until` (by the window's start) that delivery announced or orders booked."""
    slots = SlotUse.objects.filter(date__gte=since, date__lte=until).order_by("date", "starts_at", "store_id")
    return slots if store_id is None else slots.filter(store_id=store_id)


def sku_days(*, store_id: UUID | None, sku_id: UUID | None, since: date, until: date) -> QuerySet[SkuDay]:
    days = SkuDay.objects.filter(date__gte=since, date__lte=until).order_by("-date", "store_id", "name", "sku_id")
    if store_id is not None:
        days = days.filter(store_id=store_id)
    return days if sku_id is None else days.filter(sku_id=sku_id)


def forecasts(*, store_id: UUID | None = None, sku_id: UUID | None = None) -> QuerySet[SkuForecast]:
    """The SKUs' forecasts, each with `available` (the stock level inventory last announced, or None)."""
    level = StockLevel.objects.filter(store_id=OuterRef("store_id"), sku_id=OuterRef("sku_id")).values("available")
    rows = SkuForecast.objects.annotate(available=Subquery(level[:1])).order_by("store_id", "name", "sku_id")
    if store_id is not None:
        rows = rows.filter(store_id=store_id)
    return rows if sku_id is None else rows.filter(sku_id=sku_id)


def lead_time_days() -> int:
    """Days from ordering stock to its arrival at the store (ANALYTICS_LEAD_TIME_DAYS, default 2)."""
    return int(getattr(settings, "ANALYTICS_LEAD_TIME_DAYS", 2))


def safety_factor() -> Decimal:
    """Standard deviations of safety stock (ANALYTICS_SAFETY_FACTOR, default 1.65: about 95 % of
    lead times without running out, were daily demand normal)."""
    return Decimal(str(getattr(settings, "ANALYTICS_SAFETY_FACTOR", "1.65")))


@dataclass(frozen=True)
class Advice:
    """Reorder advice for one SKU at one store, in its base unit (packs, or grams)."""

    lead_time_days: int
    lead_time_demand: Decimal
    safety_stock: Decimal
    available: int | None
    #: What to order now to cover the lead time and the safety stock; None while the stock
    #: level is not known (inventory has not announced one since this app listened).
    reorder_quantity: int | None


def advise(forecast: SkuForecast, *, available: int | None, days: int, start: date | None = None) -> Advice:
    """The forecast demand over the `days` from `start` (default today), each day the average day
    times the store's factor for its weekday; the safety stock, safety_factor() standard
    deviations of a day's demand times the root of the days; and what to order: both, less
    what is available, rounded up, never below 0."""
    start = start or timezone.localdate()
    factors = forecast.weekday_factors if len(forecast.weekday_factors) == 7 else [1.0] * 7
    demand = sum(
        (forecast.average_daily * Decimal(str(factors[(start + timedelta(days=n)).weekday()])) for n in range(days)),
        Decimal(0),
    ).quantize(_MILLI)
    safety = (safety_factor() * forecast.stddev_daily * Decimal(days).sqrt()).quantize(_MILLI)
    reorder = None if available is None else max(0, math.ceil(demand + safety - available))
    return Advice(
        lead_time_days=days, lead_time_demand=demand, safety_stock=safety, available=available, reorder_quantity=reorder
    )
