"""Demand per SKU and store and day (from OrderConfirmed's lines, one statement per order),
expiry write-offs (BatchExpired) and the stock levels inventory announces."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import services
from analytics.models import SkuDay, StockLevel, StoreDay
from inventory import services as inventory
from inventory.events import StockLevelChanged
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.e2e.conftest import ATTA, MILK, Shop

from .test_store_days import _staff_client

pytestmark = pytest.mark.django_db


def test_demand_counts_each_skus_units_orders_and_sales_at_the_store_on_the_day(shop: Shop) -> None:
    first, second = shop.customer(), shop.customer()
    first.fill_cart((MILK, 2), (ATTA, 1))
    second.fill_cart((MILK, 3))
    first.checkout("cod")
    second.checkout("cod")
    deliver_pending()

    rows = {row.sku_id: row for row in SkuDay.objects.filter(store_id=shop.store_id, date=timezone.localdate())}
    milk, atta = rows[MILK], rows[ATTA]
    assert (milk.name, milk.sold_by, milk.units_ordered, milk.orders, milk.sales_paise) == (
        "Toned Milk 500 ml",
        "unit",
        5,
        2,
        5 * 3000,
    )
    assert (atta.units_ordered, atta.orders, atta.sales_paise, atta.unit_price_paise) == (1, 1, 26000, 26000)
    assert not Delivery.objects.exclude(status="done").exists()

    page = _staff_client().get(f"/api/v1/analytics/sku-days/?store_id={shop.store_id}&sku_id={MILK}").json()
    assert page["count"] == 1
    assert page["results"] == [
        {
            "store_id": str(shop.store_id),
            "sku_id": str(MILK),
            "date": timezone.localdate().isoformat(),
            "name": "Toned Milk 500 ml",
            "sold_by": "unit",
            "units_ordered": 5,
            "orders": 2,
            "sales_paise": 15000,
            "units_written_off": 0,
            "written_off_paise": 0,
        }
    ]
    assert _staff_client().get(f"/api/v1/analytics/sku-days/?sku_id={uuid.uuid4()}").json()["count"] == 0


def _line(sku_id: uuid.UUID, quantity: int, *, paid: int = 100, sold_by: str = "unit") -> services.DemandLine:
    return services.DemandLine(
        sku_id=sku_id, name=str(sku_id)[:8], sold_by=sold_by, quantity=quantity, unit_price_paise=paid, paid_paise=paid
    )


def test_an_orders_demand_is_one_statement_whatever_its_lines_and_a_sku_on_two_lines_is_one_row(db: None) -> None:
    store, day = uuid.uuid4(), timezone.localdate()
    skus = [uuid.uuid4() for _ in range(5)]
    services.count_demand(store_id=store, lines=[_line(skus[0], 1)], day=day)  # a row already there

    with CaptureQueriesContext(connection) as captured:
        services.count_demand(
            store_id=store, lines=[*(_line(sku, 2) for sku in skus), _line(skus[1], 500, paid=40)], day=day
        )

    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["INSERT"]
    units = dict(SkuDay.objects.values_list("sku_id", "units_ordered"))
    assert units == {skus[0]: 3, skus[1]: 502, skus[2]: 2, skus[3]: 2, skus[4]: 2}
    second = SkuDay.objects.get(sku_id=skus[1])
    assert (second.orders, second.sales_paise) == (1, 140)  # one order, both lines' money


def test_expired_batches_count_their_units_and_value_at_the_last_selling_price(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2))
    customer.checkout("cod")
    deliver_pending()  # milk sold at 30.00: the price write-offs are valued at
    tomorrow = timezone.localdate() + timedelta(days=1)
    inventory.receive_stock(store_id=shop.store_id, sku_id=MILK, quantity=7, expires_on=tomorrow, batch_code="M2")

    assert inventory.write_off_expired_batches(now=timezone.now() + timedelta(days=2)) == 7
    deliver_pending()

    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())  # the day it was written off
    assert (day.batches_expired, day.written_off_paise, day.batches_unvalued) == (1, 7 * 3000, 0)
    milk = SkuDay.objects.get(store_id=shop.store_id, sku_id=MILK, date=timezone.localdate())
    assert (milk.units_ordered, milk.units_written_off, milk.written_off_paise) == (2, 7, 21000)
    row = _staff_client().get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"][0]
    assert (row["batches_expired"], row["written_off_paise"], row["batches_unvalued"]) == (1, 21000, 0)


def test_a_write_off_of_a_sku_never_priced_is_counted_but_not_valued(db: None) -> None:
    store, sku, day = uuid.uuid4(), uuid.uuid4(), timezone.localdate()
    assert services.count_write_off(store_id=store, sku_id=sku, units=4, day=day) is None

    store_day = StoreDay.objects.get(store_id=store)
    assert (store_day.batches_expired, store_day.written_off_paise, store_day.batches_unvalued) == (1, 0, 1)
    assert (SkuDay.objects.get().units_written_off, SkuDay.objects.get().sold_by) == (4, "")


def test_a_weighed_skus_write_off_is_valued_per_kilogram(db: None) -> None:
    store, tomato, day = uuid.uuid4(), uuid.uuid4(), timezone.localdate()
    services.count_demand(
        store_id=store, lines=[_line(tomato, 1000, paid=8000, sold_by="weight")], day=day - timedelta(days=3)
    )
    assert services.count_write_off(store_id=store, sku_id=tomato, units=1_250, day=day) == 10_000  # 1.25 kg x 80.00
    assert services.write_off_value(units=1, sold_by="weight", unit_price_paise=500) == 1  # 0.5 paise: half up


def test_the_stock_level_is_what_inventory_last_announced(shop: Shop) -> None:
    level = StockLevel.objects.get(store_id=shop.store_id, sku_id=MILK)  # announced when the milk came in
    assert level.available == 100

    inventory.receive_stock(store_id=shop.store_id, sku_id=MILK, quantity=50, batch_code="M3")
    deliver_pending()
    assert StockLevel.objects.get(store_id=shop.store_id, sku_id=MILK).available == 150
    with transaction.atomic():  # a replayed, older announcement changes nothing
        publish(StockLevelChanged(store_id=shop.store_id, sku_id=MILK, available=3, in_stock=True), key="x")
    from shop.eventbus.models import Event

    Event.objects.filter(key="x").update(occurred_at=timezone.now() - timedelta(hours=1))
    deliver_pending()
    assert StockLevel.objects.get(store_id=shop.store_id, sku_id=MILK).available == 150
