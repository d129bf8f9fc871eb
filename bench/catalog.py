"""Catalog benchmark: cached category listing vs a bare Django view of the same bytes, and search p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_catalog REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/catalog.py [--seconds 1.5] [--rounds 10] [--clients 4]

It loads 10,000 SKUs into its own database (<DATABASE_URL>_bench, created if missing), serves
the project with gunicorn (2 sync workers) on 127.0.0.1, then, in the same run, measures
requests/s of GET /api/v1/catalog/products/?category=<aisle> (cached) and of a bare view that
returns the cached bytes with one cache read, alternating rounds so both see the same machine,
and the p95 latency of uncached searches. Prints figures; the last line is

    listing_rps=<n> bare_rps=<n> ratio=<r> search_p95_ms=<n>

Imported by gunicorn as `bench.catalog:application`, it serves the shop plus /bench/bare/.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # Run as a script, this folder would shadow the `catalog` app: put the project first.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

SKUS = 10_000
SEARCHES = ("tomatoe", "panner", "basmati rice", "toor dal", "amul butter", "masala chips", "atta", "green tea",
            "detergent", "sunflower oil", "paneer", "biscuits", "chiken", "alphonso mango", "ghee")  # fmt: skip


# --- The server side: the shop plus one bare view -----------------------------------------


def _server_app() -> Any:
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = __name__  # the shop's URLs and /bench/bare/, below
    return application


def bare_listing(request: Any) -> Any:
    """The same bytes from the same cache as the listing, with nothing else: the floor to compare with."""
    from django.core.cache import cache
    from django.http import HttpResponse

    key = _BARE_KEYS.get(request.get_full_path())
    if key is None:
        from catalog.api.views import listing_key

        # Once per URL: the key the listing used (so, the same bytes); later hits are one cache read.
        key = _BARE_KEYS[request.get_full_path()] = listing_key(request)
    return HttpResponse(cache.get(key), content_type="application/json")


_BARE_KEYS: dict[str, str | None] = {}

if __name__ != "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")
    application = _server_app()
    from django.urls import include, path

    urlpatterns = [path("bench/bare/", bare_listing), path("", include("shop.urls"))]


# --- Data -------------------------------------------------------------------------------------


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_catalog")
    return os.environ.get("BENCH_DATABASE_URL", base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_bench")


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load_catalogue() -> str:
    """10,000 SKUs (5,000 products x 2 packs) in bulk; returns the slug of the biggest aisle."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from catalog import services
    from catalog.management.demo_data import AISLES
    from catalog.models import Brand, Category, Product, Sku, TaxClass

    if Sku.objects.count() < SKUS:
        print("loading 10,000 SKUs ...", flush=True)
        with transaction.atomic():
            Sku.objects.all().delete()
            Product.objects.all().delete()
            tax = TaxClass.objects.first() or services.create_tax_class(
                code="food-5", name="Food 5%", rate_bp=500, effective_from=__import__("datetime").date(2017, 7, 1)
            )
            plan = _plan(AISLES)
            categories = {}
            brands = {}
            for parent, leaf, *_ in plan:
                if (parent, leaf) not in categories:
                    root = Category.objects.filter(name=parent, parent=None).first() or services.create_category(
                        name=parent
                    )
                    categories[(parent, leaf)] = Category.objects.filter(
                        name=leaf, parent=root
                    ).first() or services.create_category(name=leaf, parent=root, slug=f"{root.slug}-{leaf}".lower()
                                                          .replace(" ", "-").replace("&", "and"))  # fmt: skip
            for *_, brand, _title, _hsn in plan:
                if brand and brand not in brands:
                    brands[brand] = Brand.objects.filter(name=brand).first() or services.create_brand(name=brand)
            now = __import__("django.utils.timezone").utils.timezone.now()
            products = [
                Product(title=title, slug=f"p{n}", category=categories[(parent, leaf)], brand=brands.get(brand),
                        tax_class=tax, hsn_code=hsn, status="published", published_at=now, tags=leaf.lower())
                for n, (parent, leaf, brand, title, hsn) in enumerate(plan)
            ]  # fmt: skip
            Product.objects.bulk_create(products, batch_size=1000)
            skus = [
                Sku(product=p, code=f"B{n:05d}{k}", pack_size=size, pack_unit=unit, price_paise=price,
                    mrp_paise=price + 500, position=k)
                for n, p in enumerate(products)
                for k, (size, unit, price) in enumerate(((500, "g", 5000 + n % 40 * 100), (1, "kg", 9500 + n % 90)))
            ]  # fmt: skip
            Sku.objects.bulk_create(skus, batch_size=2000)
            # The search fields as services.refresh_search_fields writes them, in one statement.
            with connection.cursor() as cursor:
                cursor.execute("""
                    WITH words AS (
                      SELECT p.id, p.title, coalesce(b.name, '') AS brand, concat_ws(' ', r.name, c.name) AS aisle,
                             p.tags
                      FROM catalog_product p
                      JOIN catalog_category c ON c.id = p.category_id
                      LEFT JOIN catalog_category r ON r.id = c.parent_id
                      LEFT JOIN catalog_brand b ON b.id = p.brand_id
                    )
                    UPDATE catalog_product p SET
                      search_text = lower(concat_ws(' ', w.title, nullif(w.brand, ''), nullif(w.tags, ''))),
                      search_vector = setweight(to_tsvector('english', w.title), 'A')
                        || setweight(to_tsvector('english', w.brand), 'B')
                        || setweight(to_tsvector('english', w.aisle), 'C')
                        || setweight(to_tsvector('english', w.tags), 'D')
                    FROM words w WHERE w.id = p.id
                """)
                cursor.execute("ANALYZE catalog_product; ANALYZE catalog_sku")
    biggest = max(Category.objects.filter(parent=None), key=lambda c: Product.objects.filter(
        category__path__startswith=c.path).count())  # fmt: skip
    print(f"catalogue: {Product.objects.count()} products, {Sku.objects.count()} SKUs; listing aisle {biggest.slug}")
    return biggest.slug


def _plan(aisles: Any) -> list[tuple[str, str, str, str, str]]:
    """5,000 distinct product names from the demo aisles, their brands and a few qualifiers."""
    qualifiers = ("", "Premium", "Classic", "Organic", "Gold", "Lite", "Family Pack", "Value", "Select", "Fresh",
                  "Natural", "Special", "Royal", "Daily", "Super", "Pure", "Rich", "Extra", "Home", "Farm")  # fmt: skip
    plan: list[tuple[str, str, str, str, str]] = []
    for qualifier in qualifiers:
        for aisle in aisles:
            for item in aisle.items:
                for brand in aisle.brands or ("",):
                    title = " ".join(part for part in (brand, qualifier, item) if part)
                    plan.append((aisle.parent, aisle.name, brand, title, aisle.hsn))
                    if len(plan) == SKUS // 2:
                        return plan
    return plan


# --- Load -------------------------------------------------------------------------------------


def _get(port: int, path: str) -> tuple[int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, len(body)


def _hammer(port: int, path: str, until: float, counts: Any, index: int) -> None:
    done = 0
    while time.monotonic() < until:
        status, _ = _get(port, path)
        if status == 200:
            done += 1
    counts[index] = done


def measure_rps(port: int, path: str, *, seconds: float, clients: int) -> float:
    counts = multiprocessing.Array("i", clients)
    until = time.monotonic() + seconds
    procs = [multiprocessing.Process(target=_hammer, args=(port, path, until, counts, i)) for i in range(clients)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(seconds + 30)
    return sum(counts) / seconds


def search_p95_ms(port: int, *, requests: int = 150) -> float:
    timings = []
    for n in range(requests):
        query = urlencode({"q": SEARCHES[n % len(SEARCHES)]})
        start = time.perf_counter()
        status, _ = _get(port, f"/api/v1/catalog/products/?{query}")
        timings.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    timings.sort()
    return timings[int(len(timings) * 0.95) - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="Length of each slice (default 1.5)")
    parser.add_argument("--rounds", type=int, default=10, help="Slices of listing and of bare, alternated (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="Client processes (default 4)")
    args = parser.parse_args()

    url = _bench_database_url()
    _ensure_database(url)
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "shop.settings.base",
        "DJANGO_SECRET_KEY": "bench-only-not-secret", "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_KEY_PREFIX": "catalog-bench", "LOG_LEVEL": "WARNING", "EVENTBUS_NUDGE_ON_COMMIT": "0",
        "CELERY_TASK_ALWAYS_EAGER": "1", "PYTHONWARNINGS": "ignore::UserWarning",
    }  # fmt: skip
    os.environ.update(env)
    aisle = load_catalogue()

    port = _free_port()
    server = subprocess.Popen(  # our own gunicorn, bound to 127.0.0.1
        [str(Path(sys.executable).parent / "gunicorn"), "bench.catalog:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT)],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gunicorn did not come up")
            time.sleep(0.2)
        listing = f"/api/v1/catalog/products/?category={aisle}"
        bare = f"/bench/bare/?category={aisle}"
        status, size = _get(port, listing)  # warms the cache
        bare_status, bare_size = _get(port, bare)
        assert (status, bare_status, size) == (200, 200, bare_size), (status, bare_status, size, bare_size)
        print(
            f"listing page: {size} bytes; {args.rounds} alternated slices of {args.seconds:g}s, {args.clients} clients"
        )
        listing_rates, bare_rates = [], []
        for n in range(args.rounds):
            listing_rates.append(measure_rps(port, listing, seconds=args.seconds, clients=args.clients))
            bare_rates.append(measure_rps(port, bare, seconds=args.seconds, clients=args.clients))
            print(f"slice {n + 1}: listing {listing_rates[-1]:.0f} req/s, bare {bare_rates[-1]:.0f} req/s")
        for n in range(10):  # warm-up: connections, plans
            _get(port, f"/api/v1/catalog/products/?{urlencode({'q': SEARCHES[n % len(SEARCHES)]})}")
        p95 = search_p95_ms(port)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    listing_rps = sum(listing_rates) / len(listing_rates)
    bare_rps = sum(bare_rates) / len(bare_rates)
    print(f"listing_rps={listing_rps:.0f} bare_rps={bare_rps:.0f} ratio={listing_rps / bare_rps:.2f} "
          f"search_p95_ms={p95:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
