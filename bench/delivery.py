"""Delivery benchmarks: slot booking under contention, and the serviceability read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_delivery .venv/bin/python bench/delivery.py

Runs against the local database only (127.0.0.1), on rows it creates and removes again;
prints figures, asserts nothing about speed. Bounded: a few thousand operations.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EVENTBUS_NUDGE_ON_COMMIT", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from delivery import selectors, services  # noqa: E402
from delivery.models import Slot, SlotBooking, Store, Zone, ZonePincode  # noqa: E402
from shop.eventbus.models import Event as EventRecord  # noqa: E402

THREADS = 16
HOT_ORDERS = 1000
HOT_CAPACITY = 500
SPREAD_ORDERS = 1000
SPREAD_SLOTS = 50
READS = 1000


def _check_local() -> None:
    host = settings.DATABASES["default"].get("HOST") or ""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" not in engine and host not in ("127.0.0.1", "localhost"):
        sys.exit(f"refusing to benchmark a non-local database ({host})")


def _setup(pincode: str) -> tuple[Zone, list[Slot]]:
    store = Store.objects.create(store_id=uuid.uuid4(), code="BENCH", title="Bench store", pincode=pincode)
    zone = Zone.objects.create(code=f"bench-{uuid.uuid4().hex[:8]}", title="Bench", store_id=store.store_id,
                               fee_tiers=[{"min_cart_value_paise": 0, "fee_paise": 0}])  # fmt: skip
    ZonePincode.objects.create(zone=zone, pincode=pincode)
    start = timezone.now() + timedelta(days=2)
    slots = [
        Slot.objects.create(zone=zone, store_id=store.store_id, date=start.date(), starts_at=start + timedelta(hours=i),
                            ends_at=start + timedelta(hours=i, minutes=59), cutoff_at=start, capacity=HOT_CAPACITY)
        for i in range(SPREAD_SLOTS + 1)
    ]  # fmt: skip
    return zone, slots


def _run(orders: list[uuid.UUID], slot_for, pincode: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    chunks = [orders[i::THREADS] for i in range(THREADS)]
    ok = [0] * THREADS
    barrier = threading.Barrier(THREADS + 1)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i, order_id in enumerate(chunks[n]):
                if services.book_slot(order_id=order_id, slot_id=slot_for(n, i), pincode=pincode).ok:
                    ok[n] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, sum(ok), len(orders) - sum(ok)


def main() -> None:
    _check_local()
    pincode = "999999"  # not a real Bengaluru pincode, so bench rows never collide with demo zones
    ZonePincode.objects.filter(pincode=pincode).delete()
    zone, slots = _setup(pincode)
    orders: list[uuid.UUID] = []
    try:
        hot = [uuid.uuid4() for _ in range(HOT_ORDERS)]
        orders += hot
        seconds, ok, refused = _run(hot, lambda n, i: slots[0].id, pincode)
        print(f"hot slot: {len(hot)} bookings by {THREADS} threads on one slot of capacity {HOT_CAPACITY}: "
              f"{len(hot) / seconds:.0f}/s, {ok} booked, {refused} refused, booked column "
              f"{Slot.objects.get(pk=slots[0].pk).booked}")  # fmt: skip

        spread = [uuid.uuid4() for _ in range(SPREAD_ORDERS)]
        orders += spread
        seconds, ok, refused = _run(spread, lambda n, i: slots[1 + (n * 7 + i) % SPREAD_SLOTS].id, pincode)
        print(f"spread: {len(spread)} bookings by {THREADS} threads over {SPREAD_SLOTS} slots: "
              f"{len(spread) / seconds:.0f}/s, {ok} booked, {refused} refused")  # fmt: skip

        took = []
        for _ in range(READS):
            began = time.perf_counter()
            selectors.serviceability(pincode=pincode)
            took.append((time.perf_counter() - began) * 1000)
        took.sort()
        print(f"serviceability read: {READS} calls, p50 {statistics.median(took):.2f} ms, "
              f"p95 {took[int(READS * 0.95)]:.2f} ms")  # fmt: skip
    finally:
        SlotBooking.objects.filter(slot__zone=zone).delete()
        for i in range(0, len(orders), 1000):
            EventRecord.objects.filter(key__in=[str(o) for o in orders[i : i + 1000]]).delete()
        Store.objects.filter(store_id=zone.store_id).delete()
        zone.delete()


if __name__ == "__main__":
    main()
