"""Real parallel database connections reserving the same scarce stock: no oversell, no deadlock."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inventory import services
from inventory.models import Movement, Reservation, Stock
from inventory.services import Line

from .factories import SkuFactory, StoreFactory

THREADS = 20
RESERVATIONS = 100
SKUS = 10
STOCK_PER_SKU = 12


def _orders(rng: random.Random, sku_ids: list[uuid.UUID], *, duplicates: bool) -> list[tuple[uuid.UUID, list[Line]]]:
    """100 orders of 1-3 lines over the SKUs, lines in random order (and, if asked, repeating SKUs)."""
    orders = []
    for _ in range(RESERVATIONS):
        count = rng.randint(1, 3)
        chosen = rng.choices(sku_ids, k=count) if duplicates else rng.sample(sku_ids, count)
        if duplicates and len(set(chosen)) == count:
            chosen[-1] = chosen[0]  # every order of this run repeats a SKU
        lines = [Line(sku_id, rng.randint(1, 3)) for sku_id in chosen]
        rng.shuffle(lines)
        orders.append((uuid.uuid4(), lines))
    return orders


def _run_concurrently(store_id: uuid.UUID, orders: list[tuple[uuid.UUID, list[Line]]]) -> tuple[dict, list]:
    outcomes: dict[uuid.UUID, bool] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def client(share: list[tuple[uuid.UUID, list[Line]]]) -> None:
        try:
            barrier.wait()
            for order_id, lines in share:
                outcome = services.reserve_stock(order_id=order_id, store_id=store_id, lines=lines)
                with lock:
                    outcomes[order_id] = outcome.ok
        except BaseException as exc:  # a deadlock or a constraint violation would land here
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(orders[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def _assert_no_oversell(store_id, orders, outcomes, errors, sku_ids) -> None:
    assert errors == []
    assert len(outcomes) == RESERVATIONS
    succeeded = [(order_id, lines) for order_id, lines in orders if outcomes[order_id]]
    failed = [order_id for order_id, _ in orders if not outcomes[order_id]]
    # The stock really was contended: both outcomes happened.
    assert succeeded
    assert failed

    expected = Counter()
    for _, lines in succeeded:
        for line in lines:
            expected[line.sku_id] += line.quantity
    stocks = {stock.sku_id: stock for stock in Stock.objects.filter(store_id=store_id)}
    for sku_id in sku_ids:
        stock = stocks[sku_id]
        assert stock.reserved == expected[sku_id]
        assert stock.on_hand == STOCK_PER_SKU
        assert stock.available == STOCK_PER_SKU - expected[sku_id]
        assert stock.available >= 0

    assert set(Reservation.objects.values_list("order_id", flat=True)) == {order_id for order_id, _ in succeeded}
    assert not Movement.objects.filter(order_id__in=failed).exists()
    assert Movement.objects.filter(kind="reservation").count() == sum(
        len({ln.sku_id for ln in lines}) for _, lines in succeeded
    )


def _scarce_store() -> tuple[uuid.UUID, list[uuid.UUID]]:
    store = StoreFactory()
    sku_ids = []
    for _ in range(SKUS):
        sku = SkuFactory()
        services.receive_stock(
            store_id=store.id,
            sku_id=sku.sku_id,
            quantity=STOCK_PER_SKU,
            expires_on=timezone.localdate() + timedelta(days=10),
        )
        sku_ids.append(sku.sku_id)
    return store.id, sku_ids


@pytest.mark.django_db(transaction=True)
def test_100_concurrent_reservations_never_oversell_or_deadlock():
    store_id, sku_ids = _scarce_store()
    orders = _orders(random.Random(5), sku_ids, duplicates=False)

    outcomes, errors = _run_concurrently(store_id, orders)

    _assert_no_oversell(store_id, orders, outcomes, errors, sku_ids)


@pytest.mark.django_db(transaction=True)
def test_random_line_order_and_duplicate_skus_never_oversell_or_deadlock():
    store_id, sku_ids = _scarce_store()
    orders = _orders(random.Random(55), sku_ids, duplicates=True)

    outcomes, errors = _run_concurrently(store_id, orders)

    _assert_no_oversell(store_id, orders, outcomes, errors, sku_ids)


@pytest.mark.django_db(transaction=True)
def test_concurrent_release_commit_and_expiry_of_one_order_apply_once():
    store_id, sku_ids = _scarce_store()
    order_id = uuid.uuid4()
    services.reserve_stock(order_id=order_id, store_id=store_id, lines=[Line(sku_ids[0], 5), Line(sku_ids[1], 2)])
    later = timezone.now() + timedelta(hours=1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def attempt(action: str) -> None:
        try:
            barrier.wait()
            if action == "release":
                services.release_stock(order_id=order_id)
            else:
                services.release_expired_reservations(now=later)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in ["release", "expire"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert list(Stock.objects.filter(store_id=store_id, sku_id__in=sku_ids[:2]).values_list("reserved", flat=True)) == [
        0,
        0,
    ]
    assert Movement.objects.filter(order_id=order_id, kind="release").count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_order_reserved_concurrently_with_different_skus_is_held_once():
    store_id, sku_ids = _scarce_store()
    order_id = uuid.uuid4()
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(sku_ids))

    def attempt(sku_id: uuid.UUID) -> None:
        try:
            barrier.wait()
            results.append(services.reserve_stock(order_id=order_id, store_id=store_id, lines=[Line(sku_id, 1)]).ok)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(sku_id,)) for sku_id in sku_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [True] * len(sku_ids)
    assert Reservation.objects.count() == 1
    assert sum(Stock.objects.values_list("reserved", flat=True)) == 1
    assert Movement.objects.filter(kind="reservation").count() == 1
