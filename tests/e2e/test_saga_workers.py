"""The saga under real workers: contention for scarce stock, and a worker killed mid-saga."""

import signal
import threading
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum

from delivery.models import Slot, SlotBooking
from inventory.models import Reservation, Stock
from orders.models import Order
from shop.eventbus.models import Delivery
from tests.eventbus.workers import send_nudge, wait_for, worker

from .conftest import MILK, Shop, build_shop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

FINAL_OR_CONFIRMED = ("confirmed", "picking", "cancelled")


def _checkout_many(shop: Shop, count: int, *, threads: int = 8) -> list[str]:
    customers = [shop.customer() for _ in range(count)]
    for customer in customers:
        customer.fill_cart((MILK, 1))
    order_ids: list[str] = []
    lock = threading.Lock()
    queue = list(customers)

    def run() -> None:
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    customer = queue.pop()
                order_id = customer.checkout("cod")
                with lock:
                    order_ids.append(order_id)
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(300)
    assert len(order_ids) == count
    return order_ids


def _settled(count: int) -> bool:
    return (
        Order.objects.filter(status__in=FINAL_OR_CONFIRMED).count() == count
        and not Delivery.objects.exclude(status__in=["done", "dead"]).exists()
    )


def _assert_consistent(shop: Shop) -> Counter:
    orders = list(Order.objects.all())
    live = [o for o in orders if o.status != "cancelled"]
    stock = Stock.objects.get(store_id=shop.store_id, sku_id=MILK)
    # Stock: exactly the live orders hold it, and nothing is held for a cancelled one.
    assert stock.reserved == len(live)
    assert Reservation.objects.filter(status="active").count() == len(live)
    assert set(Reservation.objects.filter(status="active").values_list("order_id", flat=True)) == {o.id for o in live}
    # Slot: one booking per live order.
    assert Slot.objects.get(pk=shop.slot.id).booked == len(live)
    assert SlotBooking.objects.filter(status="booked").count() == len(live)
    assert not Delivery.objects.filter(status="dead").exists()
    return Counter(o.cancel_reason or o.status for o in orders)


def test_200_concurrent_checkouts_for_50_units_confirm_exactly_50(db: None) -> None:
    shop = build_shop(milk_stock=50, slot_capacity=500)
    queue = f"saga-{uuid.uuid4().hex[:6]}"
    _checkout_many(shop, 200)

    env = {"EVENTBUS_SWEEP_SECONDS": "0.5", "EVENTBUS_BATCH_SIZE": "20"}
    with worker("saga-1", queue, env=env, beat=True) as w1, worker("saga-2", queue, env=env):
        for _ in range(4):
            send_nudge(queue)
        wait_for(lambda: _settled(200), timeout=240, what="every order decided", worker=w1)

    outcome = _assert_consistent(shop)
    assert outcome["out_of_stock"] == 150
    assert Order.objects.exclude(status="cancelled").count() == 50
    assert Stock.objects.get(store_id=shop.store_id, sku_id=MILK).reserved == 50


def test_a_worker_killed_mid_saga_leaves_every_order_decided_and_consistent(db: None) -> None:
    shop = build_shop(milk_stock=30, slot_capacity=500)
    queue = f"crash-{uuid.uuid4().hex[:6]}"
    order_ids = _checkout_many(shop, 60)
    env = {"EVENTBUS_SWEEP_SECONDS": "0.5", "EVENTBUS_BATCH_SIZE": "5", "EVENTBUS_LEASE_SECONDS": "3"}

    with worker("doomed", queue, env=env) as doomed:
        send_nudge(queue)
        # Kill it once the saga is under way but far from done.
        wait_for(
            lambda: Delivery.objects.filter(status="done", subscriber="orders.place_order_on_checkout").count() >= 10,
            what="the saga under way",
            worker=doomed,
        )
        doomed.kill(signal.SIGKILL)
        doomed.process.wait(10)
    assert not _settled(60)

    with worker("rescuer", queue, env=env, beat=True) as rescuer:
        wait_for(lambda: _settled(60), timeout=240, what="every order decided after the crash", worker=rescuer)

    outcome = _assert_consistent(shop)
    assert Order.objects.exclude(status="cancelled").count() == 30
    assert outcome["out_of_stock"] == 30
    assert set(Order.objects.values_list("id", flat=True)) == {uuid.UUID(i) for i in order_ids}
    assert Stock.objects.filter(store_id=shop.store_id).aggregate(r=Sum("reserved"))["r"] == 30
