"""StockLevelChanged is news, not a tick per unit: in/out of stock always, else a 10 % step."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from inventory import services
from inventory.events import StockLevelChanged
from inventory.models import Stock
from inventory.services import Line
from inventory.services._core import worth_announcing
from shop.eventbus.testing import captured_events

pytestmark = pytest.mark.django_db


def _reserve(store, sku, quantity: int) -> list[int]:
    """Reserve for a new order; the levels announced for the SKU."""
    with captured_events() as published:
        outcome = services.reserve_stock(
            order_id=uuid.uuid4(), store_id=store.id, lines=[Line(sku.sku_id, quantity)], now=timezone.now()
        )
    assert outcome.ok
    return [e.available for e in published if isinstance(e, StockLevelChanged)]


def test_small_moves_wait_for_a_step_and_the_projection_is_never_far_off(store, stocked):
    rice = stocked(100)
    announced = [_reserve(store, rice, 2) for _ in range(10)]  # 98, 96, ... 80
    assert announced == [[], [], [], [], [90], [], [], [], [], [80]]
    stock = Stock.objects.get(store=store, sku=rice)
    assert (stock.available, stock.published_available) == (80, 80)


def test_running_out_and_the_last_units_are_always_announced(store, stocked):
    dal = stocked(9)
    assert _reserve(store, dal, 1) == [8]  # under 10 units a unit is over 10 %: every move counts
    assert _reserve(store, dal, 5) == [3]
    assert _reserve(store, dal, 3) == [0]  # out of stock


@override_settings(INVENTORY_LEVEL_STEP_PERCENT=0)
def test_a_zero_step_announces_every_move(store, stocked):
    oil = stocked(1000)
    assert _reserve(store, oil, 1) == [999]
    assert _reserve(store, oil, 1) == [998]


def test_the_rule():
    assert worth_announcing(published=0, level=1)  # back in stock
    assert worth_announcing(published=5, level=0)  # sold out
    assert not worth_announcing(published=1000, level=901)
    assert worth_announcing(published=1000, level=900)
    assert worth_announcing(published=1000, level=1100)  # restocked by a step
    assert worth_announcing(published=9, level=8)  # under 10 units, every unit
