"""Demand per SKU and store and day, expiry write-offs, the stock levels inventory announces,
and the daily forecast that reorder advice is read from (selectors.advise)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from shop.db import keep_latest

from ..models import SkuDay, SkuForecast, SoldBy, StockLevel, StoreDay
from ._upsert import add_rows, add_to

_MILLI = Decimal("0.001")


def forecast_days() -> int:
    """How many days before today the forecast averages (28: four of each weekday)."""
    return int(getattr(settings, "ANALYTICS_FORECAST_DAYS", 28))


@dataclass(frozen=True)
class DemandLine:
    """A line of an order confirmed: its SKU, quantity in base units, and what was paid for it."""

    sku_id: UUID
    name: str
    sold_by: str
    quantity: int
    unit_price_paise: int
    paid_paise: int


@transaction.atomic(savepoint=False)
def count_demand(*, store_id: UUID, lines: Iterable[DemandLine], day: date) -> None:
    """An order's lines added to their SKUs' day at the store: one statement for the order (a SKU
    on two lines is one row); the price it paid is kept to value the SKU's write-offs."""
    firsts: dict[UUID, DemandLine] = {}
    units: dict[UUID, int] = defaultdict(int)
    paid: dict[UUID, int] = defaultdict(int)
    for line in lines:
        firsts.setdefault(line.sku_id, line)
        units[line.sku_id] += line.quantity
        paid[line.sku_id] += line.paid_paise
    rows = [
        {
            "store_id": store_id,
            "sku_id": sku_id,
            "date": day,
            "name": line.name[:255],
            "sold_by": line.sold_by,
            "unit_price_paise": line.unit_price_paise,
            "units_ordered": units[sku_id],
            "orders": 1,
            "sales_paise": paid[sku_id],
        }
        for sku_id, line in firsts.items()
    ]
    add_rows(
        SkuDay,
        keys=["store_id", "sku_id", "date"],
        rows=rows,
        add=["units_ordered", "orders", "sales_paise"],
        replace=["name", "sold_by", "unit_price_paise"],
    )


def write_off_value(*, units: int, sold_by: str, unit_price_paise: int) -> int:
    """Base units at a price per pack, or per kg for a SKU sold by weight (grams: rounded half up)."""
    if sold_by == SoldBy.WEIGHT:
        return (units * unit_price_paise + 500) // 1000
    return units * unit_price_paise


@transaction.atomic(savepoint=False)
def count_write_off(*, store_id: UUID, sku_id: UUID, units: int, day: date) -> int | None:
    """An expired batch written off: its units on the SKU's day, and the batch with its value (at
    the price the store last sold the SKU for) on the store's day. Returns the value, or None
    for a SKU no order has priced (counted as a batch not valued)."""
    known = (
        SkuDay.objects.filter(store_id=store_id, sku_id=sku_id, unit_price_paise__gt=0)
        .exclude(sold_by="")
        .order_by("-date")
        .values("name", "sold_by", "unit_price_paise")
        .first()
    )
    value = (
        write_off_value(units=units, sold_by=known["sold_by"], unit_price_paise=known["unit_price_paise"])
        if known
        else None
    )
    # The store's day first, as an order's confirmation takes them: no deadlock between the two.
    add_to(
        StoreDay,
        keys={"store_id": store_id, "date": day},
        increments={"batches_expired": 1, "written_off_paise": value or 0, "batches_unvalued": int(value is None)},
    )
    add_rows(
        SkuDay,
        keys=["store_id", "sku_id", "date"],
        rows=[
            {
                "store_id": store_id,
                "sku_id": sku_id,
                "date": day,
                **(known or {}),
                "units_written_off": units,
                "written_off_paise": value or 0,
            }
        ],
        add=["units_written_off", "written_off_paise"],
    )
    return value


def record_stock_level(*, store_id: UUID, sku_id: UUID, available: int, announced_at: datetime) -> bool:
    """What the store can sell of the SKU, as inventory last announced it (shop.db.keep_latest)."""
    with transaction.atomic():
        return keep_latest(
            StockLevel,
            {"store_id": store_id, "sku_id": sku_id},
            stamp="announced_at",
            available=available,
            announced_at=announced_at,
        )


def weekday_factors(*, since: date, until: date) -> dict[UUID, list[float]]:
    """Each store's weekday shape over the days `since`..`until`, Monday first: the store's
    orders on that weekday per day, over its orders per day. Only for a store that had orders
    on at least three in four of each weekday's days there (a store new, or shut for a while,
    would give a shape that is only its history): others are left out (flat)."""
    total_days = (until - since).days + 1
    weekdays = [0] * 7
    for offset in range(total_days):
        weekdays[(since + timedelta(days=offset)).weekday()] += 1
    orders: dict[UUID, list[int]] = defaultdict(lambda: [0] * 7)
    trading: dict[UUID, list[int]] = defaultdict(lambda: [0] * 7)
    days = StoreDay.objects.filter(date__gte=since, date__lte=until, orders_confirmed__gt=0)
    for store_id, day, count in days.values_list("store_id", "date", "orders_confirmed"):
        orders[store_id][day.weekday()] += count
        trading[store_id][day.weekday()] += 1
    shapes: dict[UUID, list[float]] = {}
    for store_id, counts in orders.items():
        if any(weekdays[w] and trading[store_id][w] * 4 < weekdays[w] * 3 for w in range(7)):
            continue
        per_day = sum(counts) / total_days
        shapes[store_id] = [round(counts[w] / weekdays[w] / per_day, 3) if weekdays[w] else 1.0 for w in range(7)]
    return shapes


def refresh_forecasts(*, today: date | None = None, days: int | None = None) -> int:
    """Forecast each SKU's daily demand at each store from the `days` (ANALYTICS_FORECAST_DAYS)
    before `today`: the average day (days without orders count as none), its spread, and the
    store's weekday shape. SKUs without demand in the window lose their forecast. Returns how
    many forecasts there are."""
    today = today or timezone.localdate()
    days = days or forecast_days()
    since, until = today - timedelta(days=days), today - timedelta(days=1)
    shapes = weekday_factors(since=since, until=until)
    totals = (
        SkuDay.objects.filter(date__gte=since, date__lte=until)
        .values("store_id", "sku_id")
        .annotate(
            units=Sum("units_ordered"),
            squares=Sum(F("units_ordered") * F("units_ordered")),
            last_name=Max("name"),
            last_sold_by=Max("sold_by"),
        )
        .filter(units__gt=0)
        .order_by()
    )
    forecasts = []
    for row in totals.iterator(chunk_size=2_000):
        average = Decimal(row["units"]) / days
        variance = max(Decimal(row["squares"]) / days - average * average, Decimal(0))
        forecasts.append(
            SkuForecast(
                store_id=row["store_id"],
                sku_id=row["sku_id"],
                name=row["last_name"],
                sold_by=row["last_sold_by"],
                computed_on=today,
                window_days=days,
                units_in_window=row["units"],
                average_daily=average.quantize(_MILLI),
                stddev_daily=variance.sqrt().quantize(_MILLI),
                weekday_factors=shapes.get(row["store_id"], [1.0] * 7),
            )
        )
    fields = ["name", "sold_by", "computed_on", "window_days", "units_in_window", "average_daily", "stddev_daily",
              "weekday_factors"]  # fmt: skip
    with transaction.atomic():
        SkuForecast.objects.bulk_create(
            forecasts,
            batch_size=1_000,
            update_conflicts=True,
            unique_fields=["store_id", "sku_id"],
            update_fields=fields,
        )
        SkuForecast.objects.exclude(computed_on=today).delete()  # no demand in the window: no forecast
    return len(forecasts)
