"""Benchmark: stock reservations/s with 16 concurrent clients on 20 hot SKUs; oversells and deadlocks must be 0.

The clients are 16 forked processes, each with its own database connection (threads would measure the
GIL). Runs against PostgreSQL on 127.0.0.1 (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/shop)
in a dedicated database `bench_inventory` that it creates, migrates and drops. Bounded: --seconds
(default 10) of load after about 10 s of set-up.

    .venv/bin/python bench/inventory.py [--clients 16] [--skus 20] [--seconds 10] [--stock 20] [--threads]

Each client loops: reserve 1-3 random lines (random order, sometimes a repeated SKU) of 1-3 units; it keeps
its last 5 reservations and releases the oldest, so the hot SKUs stay near zero availability and many
reservations are refused. reservations_per_s counts every decided reserve call (held or refused).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django

django.setup()

from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from inventory import selectors, services  # noqa: E402
from inventory.models import Sku, Stock, Store  # noqa: E402
from inventory.services import Line  # noqa: E402

BENCH_DB = "bench_inventory"


def _set_up(skus: int, stock: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    store = Store.objects.create(code="bench", title="Bench store", address="Bench", city="Bengaluru", pincode="560001")
    sku_ids = []
    for n in range(skus):
        sku = Sku.objects.create(
            sku_id=uuid.uuid4(),
            product_id=uuid.uuid4(),
            sku_code=f"HOT-{n:02d}",
            name=f"Hot SKU {n}",
            base_unit="pcs",
            step=1,
        )
        services.receive_stock(
            store_id=store.id, sku_id=sku.sku_id, quantity=stock, expires_on=timezone.localdate() + timedelta(days=30)
        )
        sku_ids.append(sku.sku_id)
    return store.id, sku_ids


def _client(seed: int, store_id: uuid.UUID, sku_ids: list[uuid.UUID], seconds: float) -> tuple[Counter, list]:
    """One client process: reserve and release until time is up; returns its counts and what it still holds."""
    connections.close_all()  # never share the parent's connection across fork
    rng = random.Random(seed)
    local: Counter = Counter()
    held: deque[tuple[uuid.UUID, list[Line]]] = deque()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            chosen = rng.choices(sku_ids, k=rng.randint(1, 3))
            lines = [Line(sku_id, rng.randint(1, 3)) for sku_id in chosen]
            rng.shuffle(lines)
            order_id = uuid.uuid4()
            try:
                outcome = services.reserve_stock(order_id=order_id, store_id=store_id, lines=lines)
            except Exception as exc:  # count it and go on: the figures must show it
                local["deadlocks" if "deadlock detected" in str(exc) else "errors"] += 1
                continue
            local["reservations"] += 1
            if not outcome.ok:
                local["refused"] += 1
                continue
            local["held"] += 1
            held.append((order_id, lines))
            if len(held) > 5:
                old, _ = held.popleft()
                try:
                    services.release_stock(order_id=old)
                    local["released"] += 1
                except Exception as exc:
                    local["deadlocks" if "deadlock detected" in str(exc) else "errors"] += 1
    finally:
        connections.close_all()
    return local, list(held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="client processes, each with its own connection")
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stock", type=int, default=20, help="units of each hot SKU on hand")
    parser.add_argument("--threads", action="store_true", help="clients as threads of one process instead")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DB
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        store_id, sku_ids = _set_up(args.skus, args.stock)
        connections.close_all()
        totals: Counter = Counter()
        held: dict[uuid.UUID, list[Line]] = {}
        start = time.monotonic()
        jobs = [(n, store_id, sku_ids, args.seconds) for n in range(args.clients)]
        if args.threads:
            with ThreadPoolExecutor(args.clients) as threads:
                results = list(threads.map(lambda job: _client(*job), jobs))
        else:
            with multiprocessing.get_context("fork").Pool(args.clients) as pool:
                results = pool.starmap(_client, jobs)
        elapsed = time.monotonic() - start
        for counts, still_held in results:
            totals.update(counts)
            held.update(dict(still_held))

        expected: Counter = Counter()
        for lines in held.values():
            for line in lines:
                expected[line.sku_id] += line.quantity
        oversold = 0
        for stock in Stock.objects.filter(store_id=store_id):
            # Oversold: more held than on hand, or the store's count disagrees with what clients hold.
            if stock.reserved > stock.on_hand or stock.reserved != expected[stock.sku_id] or stock.available < 0:
                oversold += 1
        problems = selectors.reconcile_ledger()
        mode = "threads" if args.threads else "processes"
        print(f"clients={args.clients} ({mode}) hot_skus={args.skus} stock_per_sku={args.stock} seconds={elapsed:.1f}")
        print(
            f"reservations={totals['reservations']} held={totals['held']} refused={totals['refused']} "
            f"released={totals['released']} errors={totals['errors']} ledger_discrepancies={len(problems)}"
        )
        print(
            f"reservations_per_s={totals['reservations'] / elapsed:.0f} oversold={oversold + len(problems)} "
            f"deadlocks={totals['deadlocks']}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
