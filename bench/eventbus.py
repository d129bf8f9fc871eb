"""Benchmark the event bus against plain Celery, then its latency at a steady rate.

    .venv/bin/python bench/eventbus.py [--events 20000] [--rate 200] [--seconds 10]

Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL, BENCH_REDIS_URL override).
Uses its own database (shop_bench, created and migrated here) and Redis db 14.

1. Throughput: publish N events (two no-op subscribers, so 2N deliveries), start one
   real Celery worker (prefork, 2 processes), nudge it, and time until none is pending.
2. The same worker setup executing 2N no-op Celery tasks, one per message.
3. Latency: publish one event per transaction at a steady rate for S seconds, each
   commit nudging the workers; commit-to-handler time per event.

Last line: deliveries_per_s=<n> celery_noop_per_s=<n> ratio=<r> p50_ms=<n> p99_ms=<n>
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import celery_worker, ensure_database, percentile, progress, stop

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench")
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE = f"bench-{uuid.uuid4().hex[:8]}"
os.environ["EVENTBUS_QUEUE"] = QUEUE
os.environ["EVENTBUS_NUDGE_ON_COMMIT"] = "0"  # phase 3 turns it on


def start_worker(env_extra: dict[str, str]) -> subprocess.Popen[bytes]:
    return celery_worker(QUEUE, log=f"/tmp/{QUEUE}-worker.log", env=env_extra)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    stop(proc)


def wait_ready(r, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    from bench.benchapp.tasks import mark_task

    key = f"bench:ready:{uuid.uuid4().hex}"
    mark_task.apply_async(args=[key], queue=QUEUE)
    deadline = time.monotonic() + timeout
    while not r.exists(key):
        if time.monotonic() > deadline:
            raise SystemExit(f"worker did not start; see /tmp/{QUEUE}-worker.log")
        time.sleep(0.05)


def reset_bus() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE eventbus_delivery, eventbus_inboxentry, eventbus_event RESTART IDENTITY CASCADE")


def phase_bus(n: int, r) -> float:  # type: ignore[no-untyped-def]
    from django.db import transaction

    from bench.benchapp.events import Pinged
    from shop.eventbus import publish
    from shop.eventbus.models import Delivery
    from shop.eventbus.tasks import deliver_task

    reset_bus()
    progress(f"publishing {n} events ({2 * n} deliveries)")
    chunk = 500
    for start in range(0, n, chunk):
        with transaction.atomic():
            for i in range(start, min(n, start + chunk)):
                publish(Pinged(i=i), key=f"k{i % 1000}")
        if (start + chunk) % 5000 == 0:
            progress(f"  published {start + chunk}/{n}")
    worker = start_worker({"EVENTBUS_RUN_SECONDS": "600", "EVENTBUS_BATCH_SIZE": "200"})
    try:
        wait_ready(r)
        progress("delivering")
        started = time.perf_counter()
        for _ in range(2):  # one deliver task per worker process
            deliver_task.apply_async(queue=QUEUE)
        pending = Delivery.objects.exclude(status="done")
        while pending.exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop_worker(worker)
    rate = 2 * n / elapsed
    progress(f"bus: {2 * n} deliveries in {elapsed:.2f}s = {rate:.0f}/s")
    return rate


def phase_celery(n_messages: int, r) -> float:  # type: ignore[no-untyped-def]
    from bench.benchapp.tasks import mark_task, noop_task

    progress(f"enqueueing {n_messages} no-op Celery tasks")
    start_key, end_key = f"bench:start:{QUEUE}", f"bench:end:{QUEUE}"
    mark_task.apply_async(args=[start_key], queue=QUEUE)
    with noop_task.app.producer_or_acquire() as producer:
        for i in range(n_messages):
            noop_task.apply_async(args=[i], queue=QUEUE, producer=producer)
    mark_task.apply_async(args=[end_key], queue=QUEUE)
    worker = start_worker({})
    try:
        deadline = time.monotonic() + 600
        while not r.exists(end_key):
            if time.monotonic() > deadline:
                raise SystemExit("celery phase did not finish in 600 s")
            time.sleep(0.05)
    finally:
        stop_worker(worker)
    elapsed = float(r.get(end_key)) - float(r.get(start_key))
    rate = n_messages / elapsed
    progress(f"celery: {n_messages} no-op tasks in {elapsed:.2f}s = {rate:.0f}/s")
    return rate


def phase_latency(rate: float, seconds: float, r) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from django.db import transaction
    from django.test import override_settings

    from bench.benchapp.events import Timed
    from shop.eventbus import publish

    reset_bus()
    r.delete("bench:handled")
    worker = start_worker({"EVENTBUS_RUN_SECONDS": "5", "EVENTBUS_SWEEP_SECONDS": "1"})
    committed: dict[int, float] = {}
    try:
        wait_ready(r)
        total = int(rate * seconds)
        progress(f"latency: {total} events at {rate:.0f}/s, each commit nudging the workers")
        interval = 1.0 / rate
        started = time.perf_counter()
        with override_settings(EVENTBUS_NUDGE_ON_COMMIT=True):
            for i in range(total):
                target = started + i * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                with transaction.atomic():
                    publish(Timed(i=i), key=f"t{i}")
                committed[i] = time.time()
        deadline = time.monotonic() + 60
        while r.hlen("bench:handled") < total and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_worker(worker)
    handled = {int(k): float(v) for k, v in r.hgetall("bench:handled").items()}
    missing = total - len(handled)
    if missing:
        raise SystemExit(f"{missing} events were not handled within 60 s")
    latencies = sorted((handled[i] - committed[i]) * 1000 for i in committed)
    p50 = statistics.median(latencies)
    p99 = percentile(latencies, 0.99)
    progress(f"latency: p50={p50:.1f} ms p99={p99:.1f} ms max={latencies[-1]:.1f} ms")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    r = redis.Redis.from_url(os.environ["REDIS_URL"])
    progress(f"machine: {os.cpu_count()} cores; queue {QUEUE}")
    bus = phase_bus(args.events, r)
    celery = phase_celery(2 * args.events, r)
    p50, p99 = phase_latency(args.rate, args.seconds, r)
    print(
        f"deliveries_per_s={bus:.0f} celery_noop_per_s={celery:.0f} ratio={bus / celery:.2f} "
        f"p50_ms={p50:.1f} p99_ms={p99:.1f}"
    )


if __name__ == "__main__":
    main()
