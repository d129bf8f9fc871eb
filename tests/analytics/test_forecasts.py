"""The demand forecast per SKU and store (daily) and the reorder advice staff read from it."""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics import selectors, services
from analytics.models import SkuDay, SkuForecast, StoreDay
from analytics.tasks import refresh_forecasts_task
from inventory.events import StockLevelChanged
from shop.celery import app
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory

from .test_store_days import _staff_client

pytestmark = pytest.mark.django_db

WEEKDAY, WEEKEND = Decimal("0.778"), Decimal("1.556")  # 10 and 20 orders a day, over 90 a week / 7


def _history(store: uuid.UUID, today: date) -> tuple[uuid.UUID, uuid.UUID]:
    """28 days before `today`: the store takes 10 orders a weekday and 20 a weekend day; milk
    sells 6 every day, atta 4 every other day (and none in between)."""
    milk, atta = uuid.uuid4(), uuid.uuid4()
    for n in range(1, 29):
        day = today - timedelta(days=n)
        StoreDay.objects.create(store_id=store, date=day, orders_confirmed=20 if day.weekday() >= 5 else 10)
        SkuDay.objects.create(store_id=store, sku_id=milk, date=day, name="Milk", sold_by="unit", units_ordered=6)
        SkuDay.objects.create(
            store_id=store, sku_id=atta, date=day, name="Atta", sold_by="unit", units_ordered=4 if n % 2 else 0
        )
    # Before the window: not in the forecast.
    SkuDay.objects.create(store_id=store, sku_id=milk, date=today - timedelta(days=29), units_ordered=1_000)
    return milk, atta


def test_the_forecast_is_the_windows_average_day_shaped_by_the_stores_weekdays(db: None) -> None:
    store, today = uuid.uuid4(), timezone.localdate()
    milk, atta = _history(store, today)
    gone = SkuForecast.objects.create(
        store_id=store, sku_id=uuid.uuid4(), computed_on=today - timedelta(days=1), window_days=28,
        units_in_window=1, average_daily=Decimal("0.036"), stddev_daily=0, weekday_factors=[1.0] * 7,
    )  # fmt: skip  # a SKU that sold nothing in the window since

    assert services.refresh_forecasts(today=today) == 2

    forecast = SkuForecast.objects.get(sku_id=milk)
    assert (forecast.name, forecast.computed_on, forecast.window_days, forecast.units_in_window) == (
        "Milk",
        today,
        28,
        168,
    )
    assert (forecast.average_daily, forecast.stddev_daily) == (Decimal("6.000"), Decimal("0.000"))
    assert forecast.weekday_factors == [0.778] * 5 + [1.556] * 2  # Monday first
    lumpy = SkuForecast.objects.get(sku_id=atta)
    assert (lumpy.average_daily, lumpy.stddev_daily) == (Decimal("2.000"), Decimal("2.000"))
    assert not SkuForecast.objects.filter(pk=gone.pk).exists()

    friday = date(2026, 11, 27)
    assert friday.weekday() == 4
    # Friday and Saturday: 6 x 0.778 + 6 x 1.556; no spread, no safety stock; 5 there.
    advice = selectors.advise(forecast, available=5, days=2, start=friday)
    assert (advice.lead_time_demand, advice.safety_stock, advice.reorder_quantity) == (
        Decimal("14.004"),
        Decimal("0.000"),
        10,
    )
    # Safety stock: 1.65 standard deviations of a day (2) times the root of the 2 days.
    advice = selectors.advise(lumpy, available=None, days=2, start=friday)
    assert (advice.lead_time_demand, advice.safety_stock, advice.reorder_quantity) == (
        Decimal("4.668"),
        Decimal("4.667"),
        None,  # what is there is not known: no advice
    )
    assert selectors.advise(lumpy, available=100, days=2, start=friday).reorder_quantity == 0  # never below 0


def test_a_store_that_has_not_traded_through_the_window_gets_a_flat_week(db: None) -> None:
    store, today, sku = uuid.uuid4(), timezone.localdate(), uuid.uuid4()
    for n in range(1, 11):  # opened ten days ago
        day = today - timedelta(days=n)
        StoreDay.objects.create(store_id=store, date=day, orders_confirmed=30 if day.weekday() == 0 else 1)
        SkuDay.objects.create(store_id=store, sku_id=sku, date=day, units_ordered=7)

    services.refresh_forecasts(today=today)

    forecast = SkuForecast.objects.get()
    assert forecast.weekday_factors == [1.0] * 7
    assert forecast.average_daily == Decimal("2.500")  # 70 over the 28 days: a new SKU is underestimated


def test_staff_read_reorder_advice_with_the_level_inventory_announced(db: None, settings) -> None:
    settings.ANALYTICS_LEAD_TIME_DAYS = 3
    store, today = uuid.uuid4(), timezone.localdate()
    milk, atta = _history(store, today)
    with transaction.atomic():
        publish(StockLevelChanged(store_id=store, sku_id=milk, available=5, in_stock=True), key=f"{store}:{milk}")
    deliver_pending()
    assert refresh_forecasts_task.delay().get() == 2  # the daily task

    staff = _staff_client()
    page = staff.get(f"/api/v1/analytics/reorder-advice/?store_id={store}&sku_id={milk}").json()
    factors = [WEEKEND if (today + timedelta(days=n)).weekday() >= 5 else WEEKDAY for n in range(3)]
    demand = sum((Decimal(6) * factor for factor in factors), Decimal(0))
    assert page["count"] == 1
    assert page["results"] == [
        {
            "store_id": str(store),
            "sku_id": str(milk),
            "name": "Milk",
            "sold_by": "unit",
            "computed_on": today.isoformat(),
            "window_days": 28,
            "average_daily": 6.0,
            "stddev_daily": 0.0,
            "weekday_factors": [0.778] * 5 + [1.556] * 2,
            "lead_time_days": 3,
            "lead_time_demand": float(demand),
            "safety_stock": 0.0,
            "available": 5,
            "reorder_quantity": math.ceil(demand - 5),
        }
    ]
    other = staff.get(f"/api/v1/analytics/reorder-advice/?store_id={store}&lead_time_days=1&page_size=1").json()
    assert (other["count"], len(other["results"]), other["results"][0]["lead_time_days"]) == (2, 1, 1)
    atta_row = staff.get(f"/api/v1/analytics/reorder-advice/?sku_id={atta}").json()["results"][0]
    assert (atta_row["available"], atta_row["reorder_quantity"]) == (None, None)


def test_the_forecast_is_refreshed_daily_on_beat() -> None:
    entry = app.conf.beat_schedule["analytics-refresh-forecasts"]
    assert (entry["task"], entry["schedule"]) == ("analytics.refresh_forecasts_task", 24 * 60 * 60)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/analytics/slots/?store_id=blr-1", "store_id"),
        ("/api/v1/analytics/slots/?since=2026-11-30&until=2026-11-01", "since"),
        ("/api/v1/analytics/slots/?until=9999-12-31", "until"),
        ("/api/v1/analytics/sku-days/?store_id=42", "store_id"),
        ("/api/v1/analytics/sku-days/?sku_id=milk", "sku_id"),
        ("/api/v1/analytics/sku-days/?since=2020-01-01&until=2026-01-01", "since"),
        ("/api/v1/analytics/reorder-advice/?store_id=nope", "store_id"),
        ("/api/v1/analytics/reorder-advice/?sku_id=nope", "sku_id"),
        ("/api/v1/analytics/reorder-advice/?lead_time_days=0", "lead_time_days"),
        ("/api/v1/analytics/reorder-advice/?lead_time_days=32", "lead_time_days"),
        ("/api/v1/analytics/reorder-advice/?lead_time_days=two", "lead_time_days"),
    ],
)
def test_the_reports_refuse_bad_filters(db: None, url: str, field: str) -> None:
    refused = _staff_client().get(url)
    assert refused.status_code == 400, refused.content
    assert field in refused.json()["error"]["fields"]


@pytest.mark.parametrize("report", ["slots", "sku-days", "reorder-advice"])
def test_the_reports_are_for_staff(db: None, report: str) -> None:
    customer = APIClient()
    customer.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert customer.get(f"/api/v1/analytics/{report}/").status_code == 403
    assert APIClient().get(f"/api/v1/analytics/{report}/").status_code == 401
    assert _staff_client().get(f"/api/v1/analytics/{report}/").json()["results"] == []
