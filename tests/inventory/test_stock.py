"""Goods receipt, adjustments, low-stock alerts, expiry write-offs and ageing levels."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services
from inventory.errors import InvalidStockRequest, NotFound, StockConflict, UnknownSku
from inventory.events import BatchExpired, StockLevelChanged, StockLow
from inventory.models import Batch, Movement, Stock
from inventory.services import Line
from shop.eventbus.testing import captured_events

from .factories import SkuFactory

pytestmark = pytest.mark.django_db


def levels(store, sku) -> tuple[int, int, int]:
    stock = Stock.objects.get(store=store, sku=sku)
    return stock.on_hand, stock.reserved, stock.available


def test_receiving_creates_a_batch_a_ledger_entry_and_announces_the_level(store, today):
    sku = SkuFactory()
    with captured_events() as published:
        batch = services.receive_stock(
            store_id=store.id, sku_id=sku.sku_id, quantity=24, expires_on=today + timedelta(days=4), batch_code="LOT-1"
        )
    assert (batch.code, batch.quantity, batch.received_quantity) == ("LOT-1", 24, 24)
    assert levels(store, sku) == (24, 0, 24)
    assert published == [StockLevelChanged(store_id=store.id, sku_id=sku.sku_id, available=24, in_stock=True)]
    assert list(Movement.objects.values_list("kind", "on_hand_delta", "batch_id")) == [("receipt", 24, batch.id)]


@pytest.mark.parametrize("quantity", [0, -5, 2.5])
def test_receiving_a_bad_quantity_is_refused(store, quantity):
    sku = SkuFactory()
    with pytest.raises(InvalidStockRequest, match="positive whole number"):
        services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=quantity)
    assert not Stock.objects.exists()


def test_receiving_an_expired_batch_or_unknown_sku_is_refused(store, today):
    sku = SkuFactory()
    with pytest.raises(InvalidStockRequest, match="expired on"):
        services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=1, expires_on=today - timedelta(days=1))
    with pytest.raises(UnknownSku):
        services.receive_stock(store_id=store.id, sku_id=uuid.uuid4(), quantity=1)


def test_quantities_beyond_what_one_move_may_carry_are_refused_before_any_write(store, stocked):
    milk = stocked(5)
    too_many = services.MAX_QUANTITY_PER_MOVE + 1

    with pytest.raises(
        InvalidStockRequest, match="At most 1,000,000 base units can be received at once, got 1,000,001"
    ):
        services.receive_stock(store_id=store.id, sku_id=milk.sku_id, quantity=too_many)
    with pytest.raises(InvalidStockRequest, match="at most 1,000,000 base units either way, got 4,294,967,303"):
        services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=2**32 + 7, reason="found")
    with pytest.raises(InvalidStockRequest, match="at most 1,000,000 base units either way, got -1,000,001"):
        services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=-too_many, reason="lost")
    with pytest.raises(InvalidStockRequest, match="from 0 to 1,000,000"):
        services.set_low_stock_threshold(store_id=store.id, sku_id=milk.sku_id, threshold=2**31)

    stock = Stock.objects.get(sku=milk)
    assert (stock.on_hand, stock.low_stock_threshold) == (5, 0)
    assert Movement.objects.count() == 1
    assert Batch.objects.count() == 1


def test_a_negative_adjustment_takes_from_the_earliest_batches_but_never_below_reserved(store, stocked, today):
    milk = stocked(5, days=2)
    services.receive_stock(store_id=store.id, sku_id=milk.sku_id, quantity=5, expires_on=today + timedelta(days=6))
    assert services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 4)]).ok

    services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=-6, reason="damaged in the chiller")

    assert levels(store, milk) == (4, 4, 0)
    assert sorted(Batch.objects.filter(stock__sku=milk).values_list("quantity", flat=True)) == [0, 4]
    assert list(Movement.objects.filter(kind="adjustment").values_list("on_hand_delta", "reason")) == [
        (-1, "damaged in the chiller"),
        (-5, "damaged in the chiller"),
    ]
    with pytest.raises(StockConflict, match="Only 0 pcs are not reserved; cannot remove 1"):
        services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=-1, reason="lost")


def test_a_positive_adjustment_books_a_new_batch(store, stocked, today):
    milk = stocked(2)
    services.adjust_stock(
        store_id=store.id, sku_id=milk.sku_id, delta=3, reason="found in the back", expires_on=today + timedelta(days=3)
    )
    assert levels(store, milk) == (5, 0, 5)


def test_adjustments_need_a_reason_and_a_non_zero_delta(store, stocked):
    milk = stocked(2)
    with pytest.raises(InvalidStockRequest, match="needs a reason"):
        services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=1, reason="  ")
    with pytest.raises(InvalidStockRequest, match="non-zero"):
        services.adjust_stock(store_id=store.id, sku_id=milk.sku_id, delta=0, reason="count")
    with pytest.raises(NotFound):
        services.adjust_stock(store_id=store.id, sku_id=SkuFactory().sku_id, delta=-1, reason="count")


def test_low_stock_is_announced_when_the_level_crosses_the_threshold(store, stocked):
    milk = stocked(10)
    services.set_low_stock_threshold(store_id=store.id, sku_id=milk.sku_id, threshold=3)

    with captured_events() as first:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 6)])
    with captured_events() as crossing:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 2)])
    with captured_events() as below:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1)])

    assert [e for e in first if isinstance(e, StockLow)] == []
    stock = Stock.objects.get(store=store, sku=milk)
    assert [e for e in crossing if isinstance(e, StockLow)] == [
        StockLow(
            store_id=store.id,
            sku_id=milk.sku_id,
            available=2,
            threshold=3,
            stock_id=stock.id,
            sku_code=milk.sku_code,
            sku_name=milk.name,
            base_unit=milk.base_unit,
            store_code=store.code,
            store_title=store.title,
        )
    ]
    assert [e for e in below if isinstance(e, StockLow)] == []


def test_expired_batches_are_written_off_by_the_sweep(store, stocked, today):
    curd = stocked(6, days=1)
    fresh = services.receive_stock(
        store_id=store.id, sku_id=curd.sku_id, quantity=4, expires_on=today + timedelta(days=5)
    )
    old = Batch.objects.exclude(pk=fresh.pk).get(stock__sku=curd)
    two_days_later = timezone.now() + timedelta(days=2)

    with captured_events() as published:
        written_off = services.write_off_expired_batches(now=two_days_later)

    assert written_off == 6
    assert published[0] == BatchExpired(
        store_id=store.id,
        sku_id=curd.sku_id,
        batch_id=old.id,
        batch_code=old.code,
        expires_on=old.expires_on,
        written_off=6,
    )
    assert levels(store, curd) == (4, 0, 4)
    old.refresh_from_db()
    assert (old.quantity, old.written_off_at) == (0, two_days_later)
    assert services.write_off_expired_batches(now=two_days_later) == 0


def test_the_write_off_leaves_reserved_stock_until_its_reservation_ends(store, stocked):
    curd = stocked(6, days=0)
    order_id = uuid.uuid4()
    assert services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(curd.sku_id, 4)]).ok
    tomorrow = timezone.now() + timedelta(days=1)

    assert services.write_off_expired_batches(now=tomorrow) == 2
    assert levels(store, curd) == (4, 4, 0)
    services.release_stock(order_id=order_id)
    assert services.write_off_expired_batches(now=tomorrow) == 4
    assert levels(store, curd)[:2] == (0, 0)


def test_levels_age_as_batches_fall_below_minimum_life(store, stocked):
    curd = stocked(5, days=3, min_life=2)
    assert levels(store, curd) == (5, 0, 5)

    with captured_events() as published:
        assert services.refresh_stock_levels(now=timezone.now() + timedelta(days=2)) == 1

    assert levels(store, curd) == (5, 0, 0)
    assert published == [StockLevelChanged(store_id=store.id, sku_id=curd.sku_id, available=0, in_stock=False)]
