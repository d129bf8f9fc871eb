"""Staff read the new reports in the admin: slots' use, demand per SKU, reorder advice, and the
store's day with its payment, punctuality and write-off columns; money in rupees."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import SkuDay, SkuForecast, SlotUse, StockLevel, Store, StoreDay
from shop.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):  # type: ignore[no-untyped-def]
    User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    client.login(email="ops@example.in", password="a-long-passphrase-1")
    return client


def test_the_reports_read_in_rupees_percent_and_base_units(staff) -> None:  # type: ignore[no-untyped-def]
    store, milk, today = uuid.uuid4(), uuid.uuid4(), timezone.localdate()
    Store.objects.create(store_id=store, code="BLR-IND-1", title="Indiranagar", announced_at=timezone.now())
    StoreDay.objects.create(
        store_id=store, date=today, prepaid_confirmed=3, prepaid_payment_failed=1, delivered_on_time=3,
        delivered_late=1, late_seconds=1_230, batches_expired=2, written_off_paise=123_450, batches_unvalued=1,
    )  # fmt: skip
    starts = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time())) + timedelta(hours=7)
    SlotUse.objects.create(
        slot_id=uuid.uuid4(), store_id=store, date=today, starts_at=starts, ends_at=starts + timedelta(hours=2),
        mode="standard", capacity=8, orders_confirmed=7, orders_cancelled=1,
    )  # fmt: skip
    SkuDay.objects.create(store_id=store, sku_id=milk, date=today, name="Toned Milk 500 ml", sold_by="unit",
                          units_ordered=40, orders=25, sales_paise=120_000)  # fmt: skip
    SkuForecast.objects.create(
        store_id=store, sku_id=milk, name="Toned Milk 500 ml", sold_by="unit", computed_on=today, window_days=28,
        units_in_window=280, average_daily=Decimal("10.000"), stddev_daily=Decimal("0.000"), weekday_factors=[1.0] * 7,
    )  # fmt: skip
    StockLevel.objects.create(store_id=store, sku_id=milk, available=12, announced_at=timezone.now())

    day = staff.get("/admin/analytics/storeday/").content.decode()
    assert "75.0 %" in day  # payment success: 3 of 4; delivered on time: 3 of 4
    assert "20.5" in day  # 1,230 s late, one late delivery: 20.5 minutes
    assert "₹1,234.50 (+1 not valued)" in day
    slots = staff.get("/admin/analytics/slotuse/").content.decode()
    assert "07:00 to 09:00" in slots
    assert "75.0 %" in slots  # 6 of 8 places
    assert "BLR-IND-1 · Indiranagar" in slots
    demand = staff.get("/admin/analytics/skuday/").content.decode()
    assert "Toned Milk 500 ml" in demand
    assert "₹1,200.00" in demand
    advice = staff.get("/admin/analytics/skuforecast/").content.decode()
    # Two days' lead time: 20 forecast, no safety stock, 12 there: order 8.
    assert '<td class="field-reorder">8</td>' in advice
    assert '<td class="field-lead_time_demand">20.0</td>' in advice
