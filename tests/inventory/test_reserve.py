"""Reserving an order's stock: all lines or none, duplicates summed, bad input refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inventory import services
from inventory.errors import InvalidStockRequest, NotFound, UnknownSku
from inventory.events import Shortfall, StockLevelChanged, StockLine, StockReservationFailed, StockReserved
from inventory.models import Movement, Reservation, Stock
from inventory.services import Line
from shop.eventbus.testing import captured_events

from .factories import SkuFactory

pytestmark = pytest.mark.django_db


def stock_of(store, sku) -> tuple[int, int, int]:
    stock = Stock.objects.get(store=store, sku=sku)
    return stock.on_hand, stock.reserved, stock.available


def test_reserve_holds_every_line_and_publishes(store, stocked):
    milk, bread = stocked(10), stocked(5)
    order_id = uuid.uuid4()
    now = timezone.now()

    with captured_events() as published:
        outcome = services.reserve_stock(
            order_id=order_id,
            store_id=store.id,
            lines=[Line(milk.sku_id, 3), Line(bread.sku_id, 5)],
            now=now,
        )

    assert outcome.ok
    reservation = outcome.reservation
    assert reservation.status == Reservation.Status.ACTIVE
    assert reservation.expires_at == now + timedelta(seconds=900)
    assert stock_of(store, milk) == (10, 3, 7)
    assert stock_of(store, bread) == (5, 5, 0)
    levels = sorted((e for e in published if isinstance(e, StockLevelChanged)), key=lambda e: e.available)
    assert levels == [
        StockLevelChanged(store_id=store.id, sku_id=bread.sku_id, available=0, in_stock=False),
        StockLevelChanged(store_id=store.id, sku_id=milk.sku_id, available=7, in_stock=True),
    ]
    assert published[-1] == StockReserved(
        reservation_id=reservation.id,
        order_id=order_id,
        store_id=store.id,
        lines=tuple(
            sorted(
                [StockLine(sku_id=milk.sku_id, quantity=3), StockLine(sku_id=bread.sku_id, quantity=5)],
                key=lambda line: str(line.sku_id),
            )
        ),
        expires_at=reservation.expires_at,
    )
    assert sorted(
        Movement.objects.filter(kind="reservation", order_id=order_id).values_list("sku_id", "reserved_delta")
    ) == sorted([(milk.sku_id, 3), (bread.sku_id, 5)])


@override_settings(INVENTORY_RESERVATION_TTL_SECONDS=60)
def test_the_ttl_setting_is_read(store, stocked):
    milk = stocked(2)
    now = timezone.now()
    outcome = services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1)], now=now)
    assert outcome.reservation.expires_at == now + timedelta(seconds=60)


def test_a_shortfall_refuses_the_whole_order_and_leaves_nothing(store, stocked):
    milk, bread = stocked(10), stocked(2)
    order_id = uuid.uuid4()

    with captured_events() as published:
        outcome = services.reserve_stock(
            order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 3), Line(bread.sku_id, 5)]
        )

    assert not outcome.ok
    assert outcome.shortfalls == (Shortfall(sku_id=bread.sku_id, requested=5, available=2, missing=3),)
    assert published == [
        StockReservationFailed(
            order_id=order_id,
            store_id=store.id,
            reason="insufficient_stock",
            lines=tuple(
                sorted(
                    [StockLine(sku_id=milk.sku_id, quantity=3), StockLine(sku_id=bread.sku_id, quantity=5)],
                    key=lambda line: str(line.sku_id),
                )
            ),
            shortfalls=outcome.shortfalls,
        )
    ]
    assert stock_of(store, milk) == (10, 0, 10)
    assert stock_of(store, bread) == (2, 0, 2)
    assert not Reservation.objects.exists()
    assert not Movement.objects.filter(kind="reservation").exists()


def test_duplicate_lines_of_one_sku_are_summed_before_the_check(store, stocked):
    milk = stocked(5)
    refused = services.reserve_stock(
        order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 3), Line(milk.sku_id, 3)]
    )
    assert refused.shortfalls == (Shortfall(sku_id=milk.sku_id, requested=6, available=5, missing=1),)

    held = services.reserve_stock(
        order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 2), Line(milk.sku_id, 3)]
    )
    assert [(line.stock.sku_id, line.quantity) for line in held.reservation.lines.all()] == [(milk.sku_id, 5)]
    assert stock_of(store, milk) == (5, 5, 0)


def test_a_sku_the_store_never_stocked_is_a_shortfall(store):
    sku = SkuFactory()
    outcome = services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(sku.sku_id, 1)])
    assert outcome.shortfalls == (Shortfall(sku_id=sku.sku_id, requested=1, available=0, missing=1),)


def test_reserving_the_same_order_twice_holds_it_once(store, stocked):
    milk = stocked(5)
    order_id = uuid.uuid4()
    first = services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 2)])

    with captured_events() as published:
        again = services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 2)])

    assert again.reservation == first.reservation
    assert published == []
    assert stock_of(store, milk) == (5, 2, 3)


def test_a_closed_store_refuses(store, stocked):
    milk = stocked(5)
    services.update_store(store_id=store.id, is_open=False)
    order_id = uuid.uuid4()
    with captured_events() as published:
        outcome = services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 1)])
    assert outcome.reason == "store_closed"
    assert published == [
        StockReservationFailed(
            order_id=order_id,
            store_id=store.id,
            reason="store_closed",
            lines=(StockLine(sku_id=milk.sku_id, quantity=1),),
        )
    ]
    assert stock_of(store, milk) == (5, 0, 5)


def test_batches_below_minimum_life_on_delivery_are_not_sellable(store, stocked):
    curd = stocked(4, days=1, min_life=2)  # expires tomorrow, must have 2 days left on delivery
    services.receive_stock(
        store_id=store.id, sku_id=curd.sku_id, quantity=3, expires_on=timezone.localdate() + timedelta(days=2)
    )
    assert stock_of(store, curd) == (7, 0, 3)

    outcome = services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(curd.sku_id, 4)])

    assert outcome.shortfalls == (Shortfall(sku_id=curd.sku_id, requested=4, available=3, missing=1),)


def test_a_discontinued_sku_cannot_be_reserved(store, stocked):
    milk = stocked(5)
    services.discontinue_skus(sku_ids=[milk.sku_id])
    outcome = services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1)])
    assert outcome.shortfalls == (Shortfall(sku_id=milk.sku_id, requested=1, available=0, missing=1),)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Line 1: the quantity must be positive, got 0."),
        (-2, "Line 1: the quantity must be positive, got -2."),
        (1.5, "Line 1: the quantity must be a whole number of base units."),
        (True, "Line 1: the quantity must be a whole number of base units."),
    ],
)
def test_bad_quantities_are_refused(store, stocked, quantity, message):
    milk = stocked(5)
    with captured_events() as published, pytest.raises(InvalidStockRequest) as refused:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, quantity)])
    assert refused.value.message == message
    assert published == []
    assert stock_of(store, milk) == (5, 0, 5)


def test_an_unknown_sku_is_refused_by_name(store, stocked):
    milk = stocked(5)
    ghost = uuid.uuid4()
    with pytest.raises(UnknownSku) as refused:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1), Line(ghost, 1)])
    assert refused.value.message == f"Unknown SKU: {ghost}."
    assert stock_of(store, milk) == (5, 0, 5)
    assert not Reservation.objects.exists()


def test_a_quantity_off_the_step_is_refused(store, stocked):
    rice = stocked(5000, step=250)
    rice.name = "Sona Masoori rice (loose)"
    rice.save()
    with pytest.raises(InvalidStockRequest) as refused:
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(rice.sku_id, 600)])
    assert refused.value.message == "Sona Masoori rice (loose): 600 g is not a multiple of its step of 250 g."
    assert services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(rice.sku_id, 750)]).ok


def test_no_lines_and_unknown_store_are_refused(store, stocked):
    milk = stocked(1)
    with pytest.raises(InvalidStockRequest, match="At least one line"):
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[])
    with pytest.raises(NotFound):
        services.reserve_stock(order_id=uuid.uuid4(), store_id=uuid.uuid4(), lines=[Line(milk.sku_id, 1)])


def test_reserving_a_released_order_again_holds_nothing(store, stocked):
    milk = stocked(5)
    order_id = uuid.uuid4()
    services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 2)])
    services.release_stock(order_id=order_id)

    again = services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 2)])

    assert not again.ok
    assert again.reason == "already_released"
    assert stock_of(store, milk) == (5, 0, 5)


def test_a_non_positive_ttl_is_refused(store, stocked):
    milk = stocked(1)
    with pytest.raises(InvalidStockRequest, match="time-to-live must be positive, got 0 s"):
        services.reserve_stock(order_id=uuid.uuid4(), store_id=store.id, lines=[Line(milk.sku_id, 1)], ttl_seconds=0)
