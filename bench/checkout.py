"""Benchmark the whole checkout: customers check out and pay; how fast are orders confirmed?

    .venv/bin/python bench/checkout.py [--customers 200] [--concurrency 12] [--server split|asgi] [--timeout 180]
        [--worker-pool prefork|solo] [--profile web,worker,websockets,fake_razorpay] [--log-statements]

Runs everything on 127.0.0.1, as production would: gunicorn (2 gthread workers) serving
HTTP and uvicorn the websockets (`--server asgi`: uvicorn with 2 workers for both), one
Celery worker (2 processes, BENCH_WORKER_PROCESSES) with beat, and the fake Razorpay
sending signed webhooks.
Its own database (shop_bench_checkout, dropped and seeded with the demo shop) and Redis db 13.

1. Prepare (not timed): N customers register, add an address and fill a cart over HTTP.
2. Check out (timed): each customer POSTs /api/v1/checkout/ (prepaid), listens on the
   order's websocket until payment is requested, then pays as a browser does: the shop's
   pay page, the fake's checkout page, and its post back to the shop's callback (Razorpay's
   webhooks follow).
   Concurrency C customers at a time (default 12). Each customer waits between its steps
   (the socket, the fake's checkout page), so 8 at a time leave the 2 cores short of busy;
   12 fill them (session 14: 21.4 orders/s at 12 against 20.4 at 8, p99 0.8-0.9 s against
   0.65 s, in alternating runs), and the bus claims more deliveries per batch. Beyond that
   more customers at once only lengthen the queue: every order waits longer.

Figures: confirmed orders per second over the checkout phase; checkout POST to confirmed
(p50, p99; from the order's confirmed_at, not by polling); oversold = units confirmed
beyond the stock received; lost = orders answered 202 that were not decided (confirmed or
cancelled) in time. Before the last line: CPU milliseconds per order of each process group,
and the machine's speed (the VM's varies by a third: read the CPU figures against it).
--profile samples the named groups with py-spy (`pip install py-spy`; BENCH_PYSPY_ARGS=--gil
for CPU only) into /tmp/<run>-<group>-<pid>.txt, collapsed stacks.
Last line: orders_per_s=<n> p50_ms=<n> p99_ms=<n> oversold=<n> lost=<n>
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    celery_worker,
    cpu_by_group,
    ensure_database,
    machine_speed,
    percentile,
    profile,
    progress,
    start,
    stop,
)

# Everything on Celery's default queue, as in production; the Redis db is the bench's own.
QUEUE = "celery"
RUN = f"bench-checkout-{uuid.uuid4().hex[:6]}"
PINCODE = "560038"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WEB_PORT, WS_PORT, FAKE_PORT = free_port(), free_port(), free_port()
ENV = {
    "DJANGO_SETTINGS_MODULE": "shop.settings.base",
    "DJANGO_SECRET_KEY": "bench-only-not-secret",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench_checkout"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    "CACHE_KEY_PREFIX": RUN,
    "EVENTBUS_QUEUE": QUEUE,
    "RAZORPAY_BASE_URL": f"http://127.0.0.1:{FAKE_PORT}",
    "LOG_LEVEL": "WARNING",
    # The bench registers hundreds of customers from one address.
    "THROTTLE_REGISTER": "100000/hour",
    "THROTTLE_LOGIN": "100000/hour",
    "THROTTLE_ANON": "1000000/hour",
    "THROTTLE_USER": "1000000/hour",
}
os.environ.update(ENV)
os.environ["EVENTBUS_NUDGE_ON_COMMIT"] = "0"  # seeding delivers in this process
BASE = f"http://127.0.0.1:{WEB_PORT}"


@dataclass
class Customer:
    n: int
    token: str = ""
    order_id: str = ""
    checked_out_at: float = 0.0
    decided_at: float = 0.0
    outcome: str = ""
    errors: list[str] = field(default_factory=list)


def seed(customers: int) -> tuple[list[str], str, dict[str, int]]:
    """The demo shop, with plenty of stock of three SKUs and room in one slot."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from cart.models import Sku, Zone, ZonePincode
    from delivery import services as delivery
    from delivery.models import Slot
    from inventory import services as inventory
    from shop.eventbus.delivery import deliver_until_empty

    call_command("migrate", verbosity=0)
    progress("seeding the demo shop")
    call_command("seed_demo", verbosity=0)
    zone = Zone.objects.get(zone_id=ZonePincode.objects.get(pincode=PINCODE).zone_id)
    skus = list(Sku.objects.filter(is_active=True, sold_by="unit", price_paise__gte=5000, max_per_order__gte=2)[:3])
    received = {}
    for sku in skus:
        inventory.receive_stock(
            store_id=zone.store_id,
            sku_id=sku.sku_id,
            quantity=customers * 4,  # every customer takes two of the first
            expires_on=timezone.localdate() + timedelta(days=60),
            batch_code="BENCH",
        )
    slot = (
        Slot.objects.filter(
            zone__pincodes__pincode=PINCODE, mode="standard", cutoff_at__gt=timezone.now() + timedelta(hours=1)
        )
        .order_by("starts_at")
        .first()
    )
    assert slot is not None, "the demo seed made no slot"
    delivery.set_slot_capacity(slot_id=slot.id, capacity=customers * 2)
    deliver_until_empty(max_seconds=300)
    from inventory.models import Stock

    for sku in skus:
        stock = Stock.objects.get(store_id=zone.store_id, sku_id=sku.sku_id)
        received[str(sku.sku_id)] = stock.on_hand - stock.reserved
    return [str(sku.sku_id) for sku in skus], str(slot.id), received


@dataclass
class Reply:
    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.text[:200]}")


_pool: Any = None


def http(
    customer: Customer,
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request as the customer (their token), through urllib3 directly: the load
    generator shares the 2 cores with the shop, and requests costs more CPU per call.
    `url`: a path on the shop, or a full URL. Redirects are followed (GET)."""
    global _pool  # noqa: PLW0603 - one connection pool for all the customers' threads
    import urllib3

    if _pool is None:
        retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)
        _pool = urllib3.PoolManager(maxsize=64, retries=retries, timeout=urllib3.Timeout(total=30))
    headers = dict(headers or {})
    if customer.token:
        headers["Authorization"] = f"Token {customer.token}"
    body = None
    if json_body is not None:
        body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    elif form is not None:
        body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    full = url if url.startswith("http") else f"{BASE}{url}"
    reply = _pool.request(method, full, body=body, headers=headers, redirect=method == "GET")
    return Reply(status_code=reply.status, body=reply.data)


def prepare(customer: Customer, skus: list[str]) -> None:
    r = http(
        customer,
        "POST",
        "/api/v1/auth/register/",
        json_body={
            "email": f"bench{customer.n}-{RUN}@example.in",
            "password": "bench-pass-7391-x",
            "full_name": f"Bench {customer.n}",
        },
    )
    customer.token = r.json()["token"]
    r = http(
        customer,
        "POST",
        "/api/v1/addresses/",
        json_body={
            "name": "Bench",
            "phone": f"+9190{customer.n:08d}",
            "line1": "1 MG Road",
            "city": "Bengaluru",
            "state": "Karnataka",
            "pincode": PINCODE,
        },
    )
    customer.address_id = r.json()["id"]  # type: ignore[attr-defined]
    http(customer, "PATCH", "/api/v1/cart/", json_body={"pincode": PINCODE})
    for sku in skus[: 1 + customer.n % len(skus)]:
        r = http(customer, "POST", "/api/v1/cart/lines/", json_body={"sku_id": sku, "quantity": 2})
        if r.status_code != 201:
            customer.errors.append(f"add line: {r.status_code} {r.text[:200]}")


def check_out_and_pay(customer: Customer, slot_id: str, deadline: float) -> None:
    """Check out, wait for the Razorpay order, pay on the fake's page; confirmation is read later."""

    customer.checked_out_at = time.time()
    r = http(
        customer,
        "POST",
        "/api/v1/checkout/",
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json_body={"address_id": customer.address_id, "slot_id": slot_id, "payment_method": "razorpay"},  # type: ignore[attr-defined]
    )
    if r.status_code != 202:
        customer.errors.append(f"checkout: {r.status_code} {r.text[:200]}")
        return
    customer.order_id = r.json()["order_id"]
    # The order page listens on the order's websocket for the payment details.
    from websockets.sync.client import connect

    with connect(
        f"ws://127.0.0.1:{WS_PORT}{r.json()['live_url']}",
        additional_headers={"Authorization": f"Token {customer.token}"},
        origin=BASE,
        open_timeout=30,
    ) as socket_:
        order: dict[str, object] = {}
        while time.time() < deadline:
            order = json.loads(socket_.recv(timeout=max(0.1, deadline - time.time())))
            if order["status"] == "cancelled":
                return
            razorpay = order["payment"].get("razorpay")
            if razorpay:
                break
        else:
            customer.errors.append(f"no payment details by the deadline; last heard {order}")
            return
    pay_like_a_browser(customer, razorpay)


def pay_like_a_browser(customer: Customer, razorpay: dict[str, str]) -> None:
    """The shop's pay page opens (the fake) Razorpay checkout; paying there posts back to the shop."""
    import html
    import re

    page = http(customer, "GET", razorpay["pay_url"].removeprefix(BASE))  # redirects to the checkout page
    page.raise_for_status()
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    callback = re.search(r'name="callback_url" value="([^"]+)"', page.text)
    assert action, "the checkout page has no pay form"
    assert callback, "the checkout page has no callback"
    paid = http(
        customer,
        "POST",
        f"http://127.0.0.1:{FAKE_PORT}{html.unescape(action.group(1))}",
        form={"callback_url": html.unescape(callback.group(1)), "outcome": "pay"},
    )
    paid.raise_for_status()
    # Checkout's page auto-submits this form to the shop's callback, as the browser would.
    target = re.search(r'<form method="post" action="([^"]+)"', paid.text)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', paid.text))
    assert target, "checkout did not return to the shop"
    back = http(
        customer,
        "POST",
        html.unescape(target.group(1)),
        form={html.unescape(k): html.unescape(v) for k, v in fields.items()},
    )
    if back.status_code != 200:
        customer.errors.append(f"callback: {back.status_code} {back.text[:200]}")


def wait_for_decisions(customers: list[Customer], deadline: float) -> None:
    """Read each order's fate from the database: confirmed_at is when the saga confirmed it."""
    from orders.models import Order

    ids = [c.order_id for c in customers if c.order_id]
    while time.time() < deadline:
        if Order.objects.filter(pk__in=ids, status__in=["pending", "awaiting_payment"]).count() == 0:
            break
        time.sleep(0.5)
    orders = {str(o.id): o for o in Order.objects.filter(pk__in=ids)}
    for customer in customers:
        order = orders.get(customer.order_id)
        if order is None or order.status in ("pending", "awaiting_payment"):
            continue
        customer.outcome = order.status
        moment = order.confirmed_at or order.cancelled_at
        customer.decided_at = moment.timestamp() if moment else 0.0


def run_pool(customers: list[Customer], concurrency: int, work) -> None:  # type: ignore[no-untyped-def]
    queue = list(customers)
    lock = threading.Lock()

    def loop() -> None:
        while True:
            with lock:
                if not queue:
                    return
                customer = queue.pop(0)
            try:
                work(customer)
            except Exception as exc:  # a bench keeps going and reports
                customer.errors.append(repr(exc))

    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def oversold(received: dict[str, int]) -> int:
    from django.db.models import Sum

    from orders.models import OrderLine

    over = 0
    for sku_id, available in received.items():
        sold = (
            OrderLine.objects.filter(sku_id=sku_id).exclude(order__status="cancelled").aggregate(q=Sum("quantity"))["q"]
            or 0
        )
        over += max(0, sold - available)
    return over


def web_servers(kind: str, env: dict[str, str]) -> list:  # type: ignore[type-arg]
    """The shop's servers: one ASGI server for everything, or (split) WSGI for HTTP and
    ASGI for the websockets, as behind a proxy that routes /ws/ to the ASGI server."""
    global WS_PORT  # noqa: PLW0603 - one ASGI server answers both on the web port
    # As the Procfile: a stop closes websockets still open after 10 s (browsers reconnect);
    # without a bound, uvicorn waited a minute for the bench's 200 sockets before SIGKILL.
    uvicorn = [
        sys.executable, "-m", "uvicorn", "shop.asgi:application", "--host", "127.0.0.1",
        "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip
    quiet = ["--no-access-log", "--log-level", "warning"]
    if kind == "asgi":
        WS_PORT = WEB_PORT
        return [
            start([*uvicorn, "--port", str(WEB_PORT), "--workers", "2", *quiet], log=f"/tmp/{RUN}-web.log", env=env)
        ]
    gunicorn = [
        sys.executable, "-m", "gunicorn", "shop.wsgi:application", "--bind", f"127.0.0.1:{WEB_PORT}",
        "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning",
        "--keep-alive", "30",  # the clients come straight in, not through a proxy
    ]  # fmt: skip
    return [
        start(gunicorn, log=f"/tmp/{RUN}-web.log", env=env),
        start([*uvicorn, "--port", str(WS_PORT), "--workers", "1", *quiet], log=f"/tmp/{RUN}-ws.log", env=env),
    ]


def worker_processes(pool: str, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """One prefork worker with its beat, or BENCH_WORKER_PROCESSES solo workers and a beat of their own."""
    log = f"/tmp/{RUN}-worker.log"
    if pool == "prefork":
        return [celery_worker(QUEUE, log=log, env=env, beat=True)]
    count = int(os.environ.get("BENCH_WORKER_PROCESSES", "2"))
    beat = [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel=WARNING", f"--schedule=/tmp/{RUN}-beat"]
    return [
        *(celery_worker(QUEUE, log=log, env=env, pool="solo") for _ in range(count)),
        start(beat, log=f"/tmp/{RUN}-beat.log", env=env),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=12,
        help="customers checking out at once (12 keep the 2 cores busy: more only queue, and wait longer)",
    )
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument(
        "--worker-pool",
        choices=["prefork", "solo"],
        default="prefork",
        help="one prefork worker of BENCH_WORKER_PROCESSES processes, or as many solo workers",
    )
    parser.add_argument(
        "--profile",
        default="",
        help="py-spy these process groups during the checkout phase (comma-separated: web,worker,websockets,"
        "fake_razorpay); collapsed stacks to /tmp/<run>-<group>.txt",
    )
    parser.add_argument(
        "--log-statements",
        action="store_true",
        help="PostgreSQL logs every statement of the run (log_statement=all on the bench's database) to its server log",
    )
    parser.add_argument(
        "--server", choices=["split", "asgi"], default="split", help="WSGI for HTTP + ASGI for /ws/, or ASGI for all"
    )
    args = parser.parse_args()

    speed_before = machine_speed()
    ensure_database(ENV["DATABASE_URL"], fresh=True)
    import redis

    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()  # the bench's own Redis db: queues, cache
    skus, slot_id, received = seed(args.customers)
    from django.db import connection, connections

    if args.log_statements:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {connection.settings_dict['NAME']} SET log_statement = 'all'")
        progress("PostgreSQL logs every statement of this run to its server log (log_statement=all)")
    connections.close_all()
    run_env = {"EVENTBUS_NUDGE_ON_COMMIT": "1"}
    fake = [sys.executable, "manage.py", "fake_razorpay", "--port", str(FAKE_PORT)]
    fake += ["--webhook-url", f"{BASE}/payments/razorpay/webhook/"]
    servers = web_servers(args.server, run_env)
    groups: dict[str, list[subprocess.Popen[bytes]]] = {
        "fake_razorpay": [start(fake, log=f"/tmp/{RUN}-fake.log", env=run_env)],
        "web": servers[:1],
        "websockets": servers[1:],
        "worker": worker_processes(args.worker_pool, run_env),
    }
    procs = [proc for group in groups.values() for proc in group]
    try:
        import requests

        for _ in range(600):
            try:
                if requests.get(f"{BASE}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        customers = [Customer(n=i) for i in range(args.customers)]
        progress(f"preparing {args.customers} customers (register, address, cart)")
        run_pool(customers, args.concurrency, lambda c: prepare(c, skus))
        progress(f"checking out and paying, {args.concurrency} at a time")
        pids = {label: [proc.pid for proc in group] for label, group in groups.items() if group}
        profilers = [
            profile(pid, out=f"/tmp/{RUN}-{label}-{pid}.txt")
            for label in filter(None, args.profile.split(","))
            for pid in pids[label]
        ]
        cpu_before = cpu_by_group(pids)
        started = time.time()
        deadline = started + args.timeout
        run_pool(customers, args.concurrency, lambda c: check_out_and_pay(c, slot_id, deadline))
        wait_for_decisions(customers, deadline)
        cpu_after = cpu_by_group(pids)
        for profiler in profilers:
            stop(profiler, signal_=signal.SIGINT)
    finally:
        for proc in reversed(procs):
            stop(proc)

    decided = [c for c in customers if c.decided_at]
    elapsed = max((c.decided_at for c in decided), default=time.time()) - started
    confirmed = [c for c in decided if c.outcome != "cancelled"]
    lost = len([c for c in customers if c.order_id and not c.decided_at])
    latencies = sorted((c.decided_at - c.checked_out_at) * 1000 for c in confirmed)
    errors = [e for c in customers for e in c.errors]
    if errors:
        progress(f"{len(errors)} errors, first: {errors[0]}")
    progress(
        f"{len(confirmed)} confirmed, {len(decided) - len(confirmed)} cancelled, {lost} undecided in {elapsed:.1f}s"
    )
    spent = {label: cpu_after[label] - cpu_before[label] for label in cpu_after}
    per_order = ", ".join(f"{label} {1000 * used / max(1, len(decided)):.0f}" for label, used in spent.items())
    progress(f"CPU ms per decided order: {per_order}; all {1000 * sum(spent.values()) / max(1, len(decided)):.0f}")
    progress(
        f"machine speed: {1000 * speed_before:.0f} ms before, {1000 * machine_speed():.0f} ms after (lower is faster)"
    )
    p50 = percentile(latencies, 0.50) if latencies else 0.0
    p99 = percentile(latencies, 0.99) if latencies else 0.0
    rate = len(confirmed) / elapsed
    print(f"orders_per_s={rate:.1f} p50_ms={p50:.0f} p99_ms={p99:.0f} oversold={oversold(received)} lost={lost}")


if __name__ == "__main__":
    main()
