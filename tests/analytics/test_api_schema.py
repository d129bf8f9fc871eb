"""The reports answer what /api/schema/ documents: a page ({count, next, previous, results}) or
{results}, never the bare list the schema used to promise (found by fuzzing the API with schemathesis)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import SkuDay, SkuForecast, SlotUse, StoreDay, StoreHour
from tests.openapi import assert_matches_schema

from .test_store_days import _staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_row_each() -> None:
    """A row in every report, with what analytics can hold before it knows more (blank names, no capacity)."""
    store, sku, today = uuid.uuid4(), uuid.uuid4(), timezone.localdate()
    StoreDay.objects.create(store_id=store, date=today, orders_confirmed=2, gmv_paise=45000)
    StoreHour.objects.create(
        store_id=store, hour=timezone.make_aware(datetime.combine(today, time(18))), orders_confirmed=2, gmv_paise=45000
    )
    SlotUse.objects.create(slot_id=uuid.uuid4(), store_id=store, date=today, orders_confirmed=1)
    SkuDay.objects.create(store_id=store, sku_id=sku, date=today, units_ordered=3, orders=1, sales_paise=9900)
    SkuForecast.objects.create(
        store_id=store,
        sku_id=sku,
        name="Milk 500 ml",
        sold_by="unit",
        computed_on=today,
        window_days=28,
        units_in_window=56,
        average_daily=Decimal("2.000"),
        stddev_daily=Decimal("0.500"),
        weekday_factors=[1.0] * 7,
    )


@pytest.mark.parametrize(
    ("path", "envelope"),
    [
        ("/api/v1/analytics/store-days/", {"results"}),
        ("/api/v1/analytics/store-hours/", {"results"}),
        ("/api/v1/analytics/slots/", {"count", "next", "previous", "results"}),
        ("/api/v1/analytics/sku-days/", {"count", "next", "previous", "results"}),
        ("/api/v1/analytics/reorder-advice/", {"count", "next", "previous", "results"}),
    ],
)
def test_each_report_answers_what_the_schema_documents(one_row_each: None, path: str, envelope: set[str]) -> None:
    response = _staff_client().get(path)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == envelope
    assert len(body["results"]) == 1
    assert_matches_schema(body, path)
