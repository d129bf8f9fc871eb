"""Replacements at picking: a short line made up with another SKU takes that SKU off the shelf too,
FEFO from its unreserved stock (never another order's hold), in the commit's transaction."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from delivery.events import PickedLine, ShipmentPicked
from inventory import selectors, services
from inventory.errors import InvalidStockRequest
from inventory.events import BatchPick, CommittedLine, StockCommitted, StockLevelChanged, StockLow
from inventory.handlers import commit_stock_when_picked
from inventory.models import Batch, Movement, Reservation, ReservationLine, Stock
from inventory.services import Line
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.testing import captured_events, deliver_pending

from .factories import SkuFactory, StoreFactory

pytestmark = pytest.mark.django_db

REPLACEMENT = "replacement for a short line"


def levels(store, sku) -> tuple[int, int, int]:
    stock = Stock.objects.get(store=store, sku=sku)
    return stock.on_hand, stock.reserved, stock.available


def reserve(store, *lines: Line) -> uuid.UUID:
    order_id = uuid.uuid4()
    assert services.reserve_stock(order_id=order_id, store_id=store.id, lines=list(lines)).ok
    return order_id


def moves(order_id, sku) -> list[tuple[str, int, int, str]]:
    rows = Movement.objects.filter(order_id=order_id, sku_id=sku.sku_id).order_by("id")
    return list(rows.values_list("kind", "on_hand_delta", "reserved_delta", "reason"))


def committed_event(published) -> StockCommitted:
    [event] = [event for event in published if isinstance(event, StockCommitted)]
    return event


def line_of(event: StockCommitted, sku) -> CommittedLine:
    return next(line for line in event.lines if line.sku_id == sku.sku_id)


def warnings(caplog) -> list[dict]:
    """The inventory logger's structured warnings (structlog hands the event dict to the stdlib record)."""
    return [
        record.msg
        for record in caplog.records
        if record.name == "inventory" and record.levelno == logging.WARNING and isinstance(record.msg, dict)
    ]


def replaced_line(sku, replacement, *, ordered: int, picked: int, replaced: int) -> PickedLine:
    return PickedLine(
        line_id=uuid.uuid4(),
        sku_id=sku.sku_id,
        outcome="replaced",
        quantity_ordered=ordered,
        quantity_picked=picked,
        replacement_sku_id=replacement.sku_id,
        quantity_replaced=replaced,
    )


def test_a_replacement_is_taken_first_expiry_first_from_unreserved_stock(store, stocked, today):
    curd_400 = stocked(10)
    curd_200 = stocked(1, days=2)  # batch expiring first
    late = services.receive_stock(
        store_id=store.id, sku_id=curd_200.sku_id, quantity=9, expires_on=today + timedelta(days=8), batch_code="LATE"
    )
    early = Batch.objects.get(stock__sku=curd_200, expires_on=today + timedelta(days=2))
    order_id = reserve(store, Line(curd_400.sku_id, 2))

    with captured_events() as published:
        reservation = services.commit_stock(
            order_id=order_id, picked=[Line(curd_400.sku_id, 1)], replacements=[Line(curd_200.sku_id, 2)]
        )

    assert reservation.status == Reservation.Status.COMMITTED
    assert levels(store, curd_400) == (9, 0, 9)  # one pot picked, the other back on sale
    assert levels(store, curd_200) == (8, 0, 8)  # the two replacements left the shelf
    assert {b.code: b.quantity for b in Batch.objects.filter(stock__sku=curd_200)} == {early.code: 0, "LATE": 8}
    event = committed_event(published)
    assert (event.reservation_id, event.order_id, event.store_id) == (reservation.id, order_id, store.id)
    assert [line.sku_id for line in event.lines] == sorted([curd_400.sku_id, curd_200.sku_id], key=str)
    assert line_of(event, curd_400).model_dump(exclude={"batches"}) == {
        "sku_id": curd_400.sku_id,
        "reserved": 2,
        "picked": 1,
        "replaced": 0,
    }
    assert line_of(event, curd_200) == CommittedLine(
        sku_id=curd_200.sku_id,
        reserved=0,
        picked=2,
        replaced=2,
        batches=(
            BatchPick(batch_id=early.id, batch_code=early.code, expires_on=early.expires_on, quantity=1),
            BatchPick(batch_id=late.id, batch_code="LATE", expires_on=late.expires_on, quantity=1),
        ),
    )
    replacement_moves = Movement.objects.filter(order_id=order_id, sku_id=curd_200.sku_id).order_by("id")
    assert list(replacement_moves.values_list("kind", "batch_id", "on_hand_delta", "reserved_delta", "reason")) == [
        ("pick", early.id, -1, 0, REPLACEMENT),
        ("pick", late.id, -1, 0, REPLACEMENT),
    ]
    assert moves(order_id, curd_400) == [
        ("reservation", 0, 2, ""),
        ("pick", -1, -1, ""),
        ("release", 0, -1, "not picked"),
    ]
    assert selectors.reconcile_ledger() == []


def test_a_replacement_announces_its_new_level_and_a_low_stock_alert(store, stocked):
    curd_400, curd_200 = stocked(10), stocked(4)
    services.set_low_stock_threshold(store_id=store.id, sku_id=curd_200.sku_id, threshold=2)
    order_id = reserve(store, Line(curd_400.sku_id, 2))

    with captured_events() as published:
        services.commit_stock(order_id=order_id, picked=[], replacements=[Line(curd_200.sku_id, 3)])

    about_curd_200 = [event for event in published if getattr(event, "sku_id", None) == curd_200.sku_id]
    assert [type(event) for event in about_curd_200] == [StockLevelChanged, StockLow]
    assert about_curd_200[0] == StockLevelChanged(store_id=store.id, sku_id=curd_200.sku_id, available=1, in_stock=True)
    assert (about_curd_200[1].available, about_curd_200[1].threshold) == (1, 2)
    assert levels(store, curd_200) == (1, 0, 1)


def test_a_replacement_never_takes_another_orders_hold(store, stocked, caplog):
    curd_400, curd_200 = stocked(10), stocked(5)
    other_order = reserve(store, Line(curd_200.sku_id, 4))
    order_id = reserve(store, Line(curd_400.sku_id, 3))

    with caplog.at_level(logging.WARNING, logger="inventory"), captured_events() as published:
        reservation = services.commit_stock(
            order_id=order_id, picked=[Line(curd_400.sku_id, 0)], replacements=[Line(curd_200.sku_id, 3)]
        )

    assert reservation.status == Reservation.Status.COMMITTED  # the goods are in the bag: no failure
    assert levels(store, curd_200) == (4, 4, 0)  # only the one free pot was taken; the other order keeps its 4
    assert Reservation.objects.get(order_id=other_order).status == Reservation.Status.ACTIVE
    assert line_of(committed_event(published), curd_200).picked == 1
    assert moves(order_id, curd_200) == [("pick", -1, 0, REPLACEMENT)]
    fields = ("event", "order_id", "store_id", "sku_id", "replaced", "taken")
    assert [{key: warning.get(key) for key in fields} for warning in warnings(caplog)] == [
        {
            "event": "replacement_beyond_sellable_stock",
            "order_id": str(order_id),
            "store_id": str(store.id),
            "sku_id": str(curd_200.sku_id),
            "replaced": 3,
            "taken": 1,
        }
    ]
    # The other order can still be picked in full.
    services.commit_stock(order_id=other_order, picked=[Line(curd_200.sku_id, 4)])
    assert levels(store, curd_200) == (0, 0, 0)
    assert selectors.reconcile_ledger() == []


def test_a_sku_both_ordered_and_used_as_replacement_takes_the_replacement_on_top_of_its_reservation(store, stocked):
    curd_400, curd_200 = stocked(10), stocked(10)
    other_order = reserve(store, Line(curd_200.sku_id, 3))
    order_id = reserve(store, Line(curd_400.sku_id, 1), Line(curd_200.sku_id, 2))

    with captured_events() as published:
        services.commit_stock(
            order_id=order_id,
            picked=[Line(curd_400.sku_id, 0), Line(curd_200.sku_id, 2)],
            replacements=[Line(curd_200.sku_id, 2)],
        )

    assert levels(store, curd_200) == (6, 3, 3)  # 2 of its own line + 2 in the 400 g pot's place; 3 still held
    assert levels(store, curd_400) == (10, 0, 10)
    line = line_of(committed_event(published), curd_200)
    assert (line.reserved, line.picked, line.replaced, sum(b.quantity for b in line.batches)) == (2, 4, 2, 4)
    assert moves(order_id, curd_200) == [
        ("reservation", 0, 2, ""),
        ("pick", -2, -2, ""),
        ("pick", -2, 0, REPLACEMENT),
    ]
    assert ReservationLine.objects.get(reservation__order_id=order_id, stock__sku=curd_200).picked == 2
    assert Reservation.objects.get(order_id=other_order).status == Reservation.Status.ACTIVE
    assert selectors.reconcile_ledger() == []


def test_an_ordered_sku_used_as_replacement_beyond_what_is_free_keeps_its_own_line_and_other_holds(
    store, stocked, caplog
):
    curd_400, curd_200 = stocked(10), stocked(5)
    other_order = reserve(store, Line(curd_200.sku_id, 2))
    order_id = reserve(store, Line(curd_400.sku_id, 1), Line(curd_200.sku_id, 2))

    with caplog.at_level(logging.WARNING, logger="inventory"):
        services.commit_stock(
            order_id=order_id,
            picked=[Line(curd_200.sku_id, 2)],
            replacements=[Line(curd_200.sku_id, 3)],
        )

    assert levels(store, curd_200) == (2, 2, 0)  # 2 held + the 1 free pot; the other order keeps 2
    assert moves(order_id, curd_200)[1:] == [("pick", -2, -2, ""), ("pick", -1, 0, REPLACEMENT)]
    assert [(w["event"], w["replaced"], w["taken"]) for w in warnings(caplog)] == [
        ("replacement_beyond_sellable_stock", 3, 1)
    ]
    assert Reservation.objects.get(order_id=other_order).status == Reservation.Status.ACTIVE
    assert selectors.reconcile_ledger() == []


def test_a_replacement_with_no_stock_at_the_store_takes_nothing_and_is_logged(store, stocked, caplog):
    curd_400 = stocked(10)
    elsewhere = SkuFactory()  # known to inventory, stocked only at another store
    services.receive_stock(store_id=StoreFactory().id, sku_id=elsewhere.sku_id, quantity=5, expires_on=None)
    never_published = uuid.uuid4()
    order_id = reserve(store, Line(curd_400.sku_id, 2))

    with caplog.at_level(logging.WARNING, logger="inventory"), captured_events() as published:
        reservation = services.commit_stock(
            order_id=order_id,
            picked=[Line(curd_400.sku_id, 1)],
            replacements=[Line(elsewhere.sku_id, 1), Line(never_published, 1)],
        )

    assert reservation.status == Reservation.Status.COMMITTED
    assert levels(store, curd_400) == (9, 0, 9)
    assert [line.sku_id for line in committed_event(published).lines] == [curd_400.sku_id]
    assert not Stock.objects.filter(store=store, sku_id__in=[elsewhere.sku_id, never_published]).exists()
    assert Stock.objects.get(sku=elsewhere).on_hand == 5  # another store's stock is never touched
    assert not Movement.objects.filter(order_id=order_id, sku_id__in=[elsewhere.sku_id, never_published]).exists()
    assert sorted((w["event"], w["sku_id"], w["replaced"], w["taken"]) for w in warnings(caplog)) == sorted(
        [
            ("replacement_not_stocked", str(elsewhere.sku_id), 1, 0),
            ("replacement_not_stocked", str(never_published), 1, 0),
        ]
    )


def test_a_replacement_with_nothing_sellable_takes_nothing_and_is_not_a_committed_line(store, stocked, caplog):
    curd_400 = stocked(10)
    curd_200 = stocked(3, days=1, min_life=2)  # on the shelf, but too close to expiry to go out
    order_id = reserve(store, Line(curd_400.sku_id, 1))

    with caplog.at_level(logging.WARNING, logger="inventory"), captured_events() as published:
        services.commit_stock(order_id=order_id, picked=[], replacements=[Line(curd_200.sku_id, 2)])

    assert levels(store, curd_200) == (3, 0, 0)
    assert [line.sku_id for line in committed_event(published).lines] == [curd_400.sku_id]
    assert [(w["event"], w["replaced"], w["taken"]) for w in warnings(caplog)] == [
        ("replacement_beyond_sellable_stock", 2, 0)
    ]


def test_bad_replacement_quantities_are_refused_before_anything_is_written(store, stocked):
    curd_400, curd_200 = stocked(10), stocked(10)
    order_id = reserve(store, Line(curd_400.sku_id, 2))

    with pytest.raises(InvalidStockRequest, match="must be positive"):
        services.commit_stock(
            order_id=order_id, picked=[Line(curd_400.sku_id, 2)], replacements=[Line(curd_200.sku_id, -1)]
        )

    assert Reservation.objects.get(order_id=order_id).status == Reservation.Status.ACTIVE
    assert levels(store, curd_200) == (10, 0, 10)


def test_the_replacements_rows_are_locked_with_the_reserved_ones_in_one_statement_in_key_order(store, stocked):
    curd_400, curd_200, bread = stocked(10), stocked(10), stocked(10)
    order_id = reserve(store, Line(curd_400.sku_id, 1), Line(bread.sku_id, 1))

    with CaptureQueriesContext(connection) as queries:
        services.commit_stock(
            order_id=order_id, picked=[Line(curd_400.sku_id, 0)], replacements=[Line(curd_200.sku_id, 1)]
        )

    locks = [q["sql"] for q in queries.captured_queries if 'FOR UPDATE OF "inventory_stock"' in q["sql"]]
    assert len(locks) == 1
    assert locks[0].split(" ORDER BY ")[1].startswith('"inventory_stock"."id" ASC')
    assert str(curd_200.sku_id).replace("-", "") in locks[0].replace("-", "")
    assert levels(store, curd_200) == (9, 0, 9)


def test_a_redelivered_pick_with_a_replacement_commits_nothing_twice(store, stocked):
    curd_400, curd_200 = stocked(10), stocked(10)
    order_id = reserve(store, Line(curd_400.sku_id, 2))
    event = ShipmentPicked(
        shipment_id=uuid.uuid4(),
        order_id=order_id,
        store_id=store.id,
        lines=(replaced_line(curd_400, curd_200, ordered=2, picked=1, replaced=2),),
    )

    commit_stock_when_picked(event)
    with captured_events() as published:
        commit_stock_when_picked(event)

    assert published == []
    assert levels(store, curd_400) == (9, 0, 9)
    assert levels(store, curd_200) == (8, 0, 8)
    assert Movement.objects.filter(order_id=order_id, sku_id=curd_200.sku_id).count() == 1


def test_a_picked_shipment_with_a_replaced_line_goes_through_the_bus(store, stocked):
    curd_400, curd_200, milk = stocked(10), stocked(10), stocked(10)
    order_id = reserve(store, Line(curd_400.sku_id, 2), Line(milk.sku_id, 1))
    picked = ShipmentPicked(
        shipment_id=uuid.uuid4(),
        order_id=order_id,
        store_id=store.id,
        lines=(
            replaced_line(curd_400, curd_200, ordered=2, picked=0, replaced=3),
            PickedLine(line_id=uuid.uuid4(), sku_id=milk.sku_id, outcome="found", quantity_ordered=1,
                       quantity_picked=1),
        ),
    )  # fmt: skip

    with transaction.atomic():
        publish(picked, key=order_id)
    # Published twice, as a picker's retried submission would be: the second commits nothing.
    with transaction.atomic():
        publish(picked, key=order_id)
    with captured_events() as published:
        deliver_pending()

    ours = Delivery.objects.filter(subscriber="inventory.commit_stock_when_picked")
    assert list(ours.values_list("status", flat=True)) == ["done", "done"]
    assert Reservation.objects.get(order_id=order_id).status == Reservation.Status.COMMITTED
    assert levels(store, curd_400) == (10, 0, 10)
    assert levels(store, curd_200) == (7, 0, 7)
    assert levels(store, milk) == (9, 0, 9)
    [committed] = [event for event in published if isinstance(event, StockCommitted)]
    assert {line.sku_id: (line.reserved, line.picked, line.replaced) for line in committed.lines} == {
        curd_400.sku_id: (2, 0, 0),
        curd_200.sku_id: (0, 3, 3),
        milk.sku_id: (1, 1, 0),
    }
    assert moves(order_id, curd_200) == [("pick", -3, 0, REPLACEMENT)]
    assert selectors.reconcile_ledger() == []


@pytest.mark.django_db(transaction=True)
def test_commits_replacing_with_each_others_reserved_skus_never_deadlock():
    """Half the orders hold curd and are made up with yoghurt, the other half the other way round:
    locking reserved rows first and replacements after would cross; one ordered lock never does."""
    store = StoreFactory()
    curd, yoghurt = SkuFactory(), SkuFactory()
    for sku in (curd, yoghurt):
        services.receive_stock(store_id=store.id, sku_id=sku.sku_id, quantity=100, expires_on=None)
    orders = []
    for n in range(16):
        own, other = (curd, yoghurt) if n % 2 else (yoghurt, curd)
        orders.append((reserve(store, Line(own.sku_id, 2)), own, other))
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(orders))

    def pick(order_id: uuid.UUID, own, other) -> None:
        try:
            barrier.wait()
            services.commit_stock(order_id=order_id, picked=[Line(own.sku_id, 1)], replacements=[Line(other.sku_id, 1)])
        except BaseException as exc:  # a deadlock would land here
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pick, args=order) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert set(Reservation.objects.values_list("status", flat=True)) == {Reservation.Status.COMMITTED}
    assert levels(store, curd) == (100 - 16, 0, 100 - 16)  # 8 own picks + 8 replacements each
    assert levels(store, yoghurt) == (100 - 16, 0, 100 - 16)
    assert selectors.reconcile_ledger() == []
