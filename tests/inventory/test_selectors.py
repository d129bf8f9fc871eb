"""Staff lists: near expiry and low stock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory import selectors, services

pytestmark = pytest.mark.django_db


def test_near_expiry_lists_batches_with_stock_expiring_within_three_days(store, stocked, today):
    soon = stocked(4, days=3)
    later = stocked(5, days=4)
    stocked(4, days=None)
    sold = stocked(2, days=1)
    services.adjust_stock(store_id=store.id, sku_id=sold.sku_id, delta=-2, reason="sold at the counter")

    assert [(b.stock.sku_id, b.quantity) for b in selectors.list_near_expiry(today=today)] == [(soon.sku_id, 4)]
    tomorrow = selectors.list_near_expiry(today=today + timedelta(days=1))
    assert [(b.stock.sku_id, b.quantity) for b in tomorrow] == [(soon.sku_id, 4), (later.sku_id, 5)]


def test_low_stock_lists_stock_at_or_below_its_threshold(store, stocked):
    low, fine, no_threshold = stocked(3), stocked(10), stocked(1)
    services.set_low_stock_threshold(store_id=store.id, sku_id=low.sku_id, threshold=3)
    services.set_low_stock_threshold(store_id=store.id, sku_id=fine.sku_id, threshold=3)

    assert [stock.sku_id for stock in selectors.list_low_stock()] == [low.sku_id]
    assert no_threshold.sku_id not in {stock.sku_id for stock in selectors.list_stock(low=True)}
