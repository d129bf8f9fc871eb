"""Races on real parallel connections: a product is published once; a stock level is one row."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from catalog import services
from catalog.models import Product, StockLevel
from shop.eventbus.models import Event as EventRecord

from .factories import make_product

pytestmark = pytest.mark.django_db(transaction=True)


def race(action: Callable[[], Any], threads: int = 4) -> list[Any]:
    """Run `action` in parallel threads, each on its own connection; returns results or exceptions."""
    barrier = threading.Barrier(threads)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(action())
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return results


def test_a_draft_published_from_four_sessions_at_once_is_published_once() -> None:
    product = make_product(title="Sona Masoori Rice", publish=False)

    results = race(lambda: services.publish_product(product=Product.objects.get(pk=product.pk)))

    assert sorted(type(r).__name__ for r in results) == ["IllegalTransition"] * 3 + ["Product"]
    assert EventRecord.objects.filter(name="catalog.product_published.v1", key=str(product.pk)).count() == 1


def test_the_same_stock_level_recorded_at_once_is_one_row() -> None:
    store_id, sku_id = uuid.uuid4(), uuid.uuid4()

    results = race(lambda: services.record_stock_level(store_id=store_id, sku_id=sku_id, available=5, in_stock=True))

    assert [type(r).__name__ for r in results] == ["StockLevel"] * 4
    assert list(StockLevel.objects.values_list("store_id", "sku_id", "available", "in_stock")) == [
        (store_id, sku_id, 5, True)
    ]


def test_store_prices_set_at_once_leave_one_override_and_a_history_row_each() -> None:
    sku = make_product(title="Tata Salt", skus=[{"price_paise": 2800, "mrp_paise": 3000}]).skus.get()
    store_id = uuid.uuid4()
    prices = iter([2500, 2600, 2700, 2900])
    lock = threading.Lock()

    def set_price() -> Any:
        with lock:
            price = next(prices)
        return services.set_store_price(sku=sku, store_id=store_id, price_paise=price)

    results = race(set_price)

    assert [type(r).__name__ for r in results] == ["StorePrice"] * 4
    override = sku.store_prices.get()
    history = list(sku.price_history.filter(store_id=store_id).order_by("id").values_list("price_paise", flat=True))
    assert len(history) == 4
    assert override.price_paise == history[-1]  # the last writer's price is the one in force
