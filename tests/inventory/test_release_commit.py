"""Releasing and committing a reservation: idempotent, FEFO at picking, illegal transitions refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from delivery.events import PickedLine, ShipmentPicked
from inventory import selectors, services
from inventory.errors import InvalidStockRequest, NotFound, ReservationStateError, StockConflict
from inventory.events import BatchPick, CommittedLine, StockCommitted, StockLine, StockReleased
from inventory.handlers import commit_stock_when_picked
from inventory.models import Batch, Movement, Reservation, Stock
from inventory.services import Line
from shop.eventbus.testing import captured_events

pytestmark = pytest.mark.django_db


def levels(store, sku) -> tuple[int, int, int]:
    stock = Stock.objects.get(store=store, sku=sku)
    return stock.on_hand, stock.reserved, stock.available


def reserve(store, *lines: Line) -> uuid.UUID:
    order_id = uuid.uuid4()
    assert services.reserve_stock(order_id=order_id, store_id=store.id, lines=list(lines)).ok
    return order_id


def test_release_puts_stock_back_once(store, stocked):
    milk = stocked(10)
    order_id = reserve(store, Line(milk.sku_id, 4))

    with captured_events() as published:
        reservation = services.release_stock(order_id=order_id)
    again = services.release_stock(order_id=order_id)

    assert reservation.status == Reservation.Status.RELEASED
    assert again.status == Reservation.Status.RELEASED
    assert levels(store, milk) == (10, 0, 10)
    assert published[-1] == StockReleased(
        reservation_id=reservation.id,
        order_id=order_id,
        store_id=store.id,
        reason="cancelled",
        lines=(StockLine(sku_id=milk.sku_id, quantity=4),),
    )
    assert list(Movement.objects.filter(order_id=order_id).values_list("kind", "reserved_delta")) == [
        ("release", -4),
        ("reservation", 4),
    ]


def test_releasing_an_unknown_order_does_nothing(store):
    with captured_events() as published:
        assert services.release_stock(order_id=uuid.uuid4()) is None
    assert published == []


def test_commit_consumes_batches_first_expiry_first_and_releases_the_unpicked_rest(store, stocked, today):
    curd = stocked(3, days=5)
    late = services.receive_stock(
        store_id=store.id, sku_id=curd.sku_id, quantity=10, expires_on=today + timedelta(days=9), batch_code="LATE"
    )
    early = services.receive_stock(
        store_id=store.id, sku_id=curd.sku_id, quantity=2, expires_on=today + timedelta(days=2), batch_code="EARLY"
    )
    middle = Batch.objects.get(stock__sku=curd, expires_on=today + timedelta(days=5))
    order_id = reserve(store, Line(curd.sku_id, 8))

    with captured_events() as published:
        reservation = services.commit_stock(order_id=order_id, picked=[Line(curd.sku_id, 7)])

    assert reservation.status == Reservation.Status.COMMITTED
    assert levels(store, curd) == (15 - 7, 0, 8)
    assert {b.code: b.quantity for b in Batch.objects.filter(stock__sku=curd)} == {
        "EARLY": 0,
        middle.code: 0,
        "LATE": 8,
    }
    assert published[-1] == StockCommitted(
        reservation_id=reservation.id,
        order_id=order_id,
        store_id=store.id,
        lines=(
            CommittedLine(
                sku_id=curd.sku_id,
                reserved=8,
                picked=7,
                batches=(
                    BatchPick(batch_id=early.id, batch_code="EARLY", expires_on=early.expires_on, quantity=2),
                    BatchPick(batch_id=middle.id, batch_code=middle.code, expires_on=middle.expires_on, quantity=3),
                    BatchPick(batch_id=late.id, batch_code="LATE", expires_on=late.expires_on, quantity=2),
                ),
            ),
        ),
    )
    picks = (
        Movement.objects.filter(order_id=order_id).order_by("id").values_list("kind", "on_hand_delta", "reserved_delta")
    )
    assert list(picks) == [
        ("reservation", 0, 8),
        ("pick", -2, -2),
        ("pick", -3, -3),
        ("pick", -2, -2),
        ("release", 0, -1),
    ]


def test_commit_skips_batches_below_minimum_life(store, stocked, today):
    curd = stocked(5, days=5, min_life=2)
    services.receive_stock(
        store_id=store.id, sku_id=curd.sku_id, quantity=4, expires_on=today + timedelta(days=1), batch_code="OLD"
    )
    order_id = reserve(store, Line(curd.sku_id, 5))

    services.commit_stock(order_id=order_id, picked=[Line(curd.sku_id, 5)])

    assert {b.code: b.quantity for b in Batch.objects.filter(stock__sku=curd)}["OLD"] == 4
    assert levels(store, curd) == (4, 0, 0)


def test_commit_is_idempotent_and_a_missing_line_counts_as_not_picked(store, stocked):
    milk, bread = stocked(10), stocked(10)
    order_id = reserve(store, Line(milk.sku_id, 2), Line(bread.sku_id, 3))

    services.commit_stock(order_id=order_id, picked=[Line(milk.sku_id, 2)])
    with captured_events() as published:
        services.commit_stock(order_id=order_id, picked=[Line(milk.sku_id, 2)])

    assert published == []
    assert levels(store, milk) == (8, 0, 8)
    assert levels(store, bread) == (10, 0, 10)


def test_illegal_transitions_are_refused(store, stocked):
    milk = stocked(10)
    released = reserve(store, Line(milk.sku_id, 1))
    services.release_stock(order_id=released)
    committed = reserve(store, Line(milk.sku_id, 1))
    services.commit_stock(order_id=committed, picked=[Line(milk.sku_id, 1)])

    with pytest.raises(ReservationStateError, match="was released \\(cancelled\\); it cannot be committed"):
        services.commit_stock(order_id=released, picked=[Line(milk.sku_id, 1)])
    with pytest.raises(ReservationStateError, match="was committed at picking"):
        services.release_stock(order_id=committed)
    with pytest.raises(NotFound):
        services.commit_stock(order_id=uuid.uuid4(), picked=[])


def test_picking_an_unreserved_sku_is_refused(store, stocked):
    milk, bread = stocked(10), stocked(10)
    order_id = reserve(store, Line(milk.sku_id, 2))

    with pytest.raises(InvalidStockRequest, match="was not reserved"):
        services.commit_stock(order_id=order_id, picked=[Line(milk.sku_id, 2), Line(bread.sku_id, 1)])
    assert Reservation.objects.get(order_id=order_id).status == Reservation.Status.ACTIVE
    assert levels(store, milk) == (10, 2, 8)
    assert levels(store, bread) == (10, 0, 10)


def test_produce_weighed_heavier_than_ordered_takes_the_excess_from_unreserved_stock_fefo(store, stocked, today):
    # 750 g ordered, 810 g on the scale: the picker's event goes through the handler as it is.
    tomato = stocked(760, days=2, step=250)
    late = services.receive_stock(
        store_id=store.id, sku_id=tomato.sku_id, quantity=1240, expires_on=today + timedelta(days=6), batch_code="LATE"
    )
    early = Batch.objects.get(stock__sku=tomato, expires_on=today + timedelta(days=2))
    milk = stocked(10)
    other_order = reserve(store, Line(tomato.sku_id, 500))
    order_id = reserve(store, Line(tomato.sku_id, 750), Line(milk.sku_id, 3))
    picked = ShipmentPicked(
        shipment_id=uuid.uuid4(),
        order_id=order_id,
        store_id=store.id,
        lines=(
            PickedLine(line_id=uuid.uuid4(), sku_id=tomato.sku_id, outcome="weighed", quantity_ordered=750,
                       quantity_picked=810),
            PickedLine(line_id=uuid.uuid4(), sku_id=milk.sku_id, outcome="short", quantity_ordered=3,
                       quantity_picked=1),
        ),
    )  # fmt: skip

    with captured_events() as published:
        commit_stock_when_picked(picked)

    reservation = Reservation.objects.get(order_id=order_id)
    assert reservation.status == Reservation.Status.COMMITTED
    assert levels(store, tomato) == (2000 - 810, 500, 2000 - 810 - 500)  # the other order still holds its 500 g
    assert levels(store, milk) == (9, 0, 9)  # the unpicked 2 went back on sale
    assert {b.code: b.quantity for b in Batch.objects.filter(stock__sku=tomato)} == {early.code: 0, "LATE": 1190}
    committed = [event for event in published if isinstance(event, StockCommitted)]
    assert [line for line in committed[0].lines if line.sku_id == tomato.sku_id] == [
        CommittedLine(
            sku_id=tomato.sku_id,
            reserved=750,
            picked=810,
            batches=(
                BatchPick(batch_id=early.id, batch_code=early.code, expires_on=early.expires_on, quantity=760),
                BatchPick(batch_id=late.id, batch_code="LATE", expires_on=late.expires_on, quantity=50),
            ),
        )
    ]
    moves = Movement.objects.filter(order_id=order_id, sku_id=tomato.sku_id).order_by("id")
    assert list(moves.values_list("kind", "on_hand_delta", "reserved_delta", "reason")) == [
        ("reservation", 0, 750, ""),
        ("pick", -750, -750, ""),
        ("pick", -10, 0, "picked beyond the reservation"),
        ("pick", -50, 0, "picked beyond the reservation"),
    ]
    assert selectors.reconcile_ledger() == []
    assert Reservation.objects.get(order_id=other_order).status == Reservation.Status.ACTIVE


def test_an_excess_beyond_the_unreserved_stock_takes_what_there_is_and_never_another_orders_hold(store, stocked):
    tomato = stocked(1030, step=250)
    other_order = reserve(store, Line(tomato.sku_id, 250))
    order_id = reserve(store, Line(tomato.sku_id, 750))

    with captured_events() as published:
        services.commit_stock(order_id=order_id, picked=[Line(tomato.sku_id, 810)])

    assert Reservation.objects.get(order_id=order_id).status == Reservation.Status.COMMITTED
    assert levels(store, tomato) == (250, 250, 0)  # 750 held + the 30 g nobody held; the other order keeps 250 g
    assert [line.picked for event in published if isinstance(event, StockCommitted) for line in event.lines] == [780]
    assert Reservation.objects.get(order_id=other_order).status == Reservation.Status.ACTIVE
    assert selectors.reconcile_ledger() == []


def test_a_pick_the_sellable_batches_cannot_cover_rolls_back(store, stocked, today):
    milk = stocked(4, days=3)
    order_id = reserve(store, Line(milk.sku_id, 4))
    # The only batch ages below the minimum life before picking.
    milk.min_life_on_delivery_days = 5
    milk.save()

    with pytest.raises(StockConflict, match="only 0 pcs are in sellable batches, 4 were picked"):
        services.commit_stock(order_id=order_id, picked=[Line(milk.sku_id, 4)])

    assert Reservation.objects.get(order_id=order_id).status == Reservation.Status.ACTIVE
    assert levels(store, milk) == (4, 4, 0)


def test_expired_reservations_are_released_by_the_periodic_task(store, stocked):
    milk = stocked(10)
    order_id = reserve(store, Line(milk.sku_id, 3))
    fresh = reserve(store, Line(milk.sku_id, 2))
    Reservation.objects.filter(order_id=order_id).update(expires_at=timezone.now() - timedelta(seconds=1))

    from inventory.tasks import release_expired_task

    with captured_events() as published:
        assert release_expired_task.apply().get() == 1

    assert Reservation.objects.get(order_id=order_id).close_reason == "expired"
    assert Reservation.objects.get(order_id=fresh).status == Reservation.Status.ACTIVE
    assert levels(store, milk) == (10, 2, 8)
    assert [e.reason for e in published if isinstance(e, StockReleased)] == ["expired"]
    assert release_expired_task.apply().get() == 0


def test_the_ttl_passes_only_at_expires_at(store, stocked):
    milk = stocked(10)
    now = timezone.now()
    order_id = uuid.uuid4()
    services.reserve_stock(order_id=order_id, store_id=store.id, lines=[Line(milk.sku_id, 1)], now=now)

    assert services.release_expired_reservations(now=now + timedelta(seconds=899)) == 0
    assert services.release_expired_reservations(now=now + timedelta(seconds=900)) == 1
    assert levels(store, milk) == (10, 0, 10)


def test_a_committed_reservation_is_not_expired(store, stocked):
    milk = stocked(10)
    order_id = reserve(store, Line(milk.sku_id, 3))
    services.commit_stock(order_id=order_id, picked=[Line(milk.sku_id, 3)])
    assert services.release_expired_reservations(now=timezone.now() + timedelta(days=1)) == 0
    assert levels(store, milk) == (7, 0, 7)
