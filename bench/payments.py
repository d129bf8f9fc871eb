"""Payments benchmark: the real SDK against the local fake Razorpay, on the test database.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_payments \
      DJANGO_SETTINGS_MODULE=shop.settings.test .venv/bin/python bench/payments.py [--n 200]

Prints figures; not a test. Targets 127.0.0.1 only; uses (and keeps) test_<dbname>.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

KEY_ID, KEY_SECRET, WEBHOOK_SECRET = "rzp_test_bench", "bench-only-secret", "bench-only-webhook-secret"


def timed(label: str, n: int, fn: Callable[[int], None]) -> None:
    samples = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label:<44} n={n:<5} {n / total:8.1f}/s  median {statistics.median(samples):6.2f} ms  p95 {p95:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    n = min(parser.parse_args().n, 2000)  # bounded in time

    setup_test_environment()
    connection.creation.create_test_db(keepdb=True, verbosity=0)

    from payments import services
    from payments.fake_razorpay import FakeRazorpay
    from payments.models import PaymentIntent, PaymentTransition, Refund, WebhookEvent
    from shop.eventbus.models import Event

    fake = FakeRazorpay(
        key_id=KEY_ID, key_secret=KEY_SECRET, webhook_secret=WEBHOOK_SECRET, auto_deliver=False, webhook_url=None
    ).start()
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = KEY_ID, KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET, settings.RAZORPAY_BASE_URL = WEBHOOK_SECRET, fake.url
    try:
        intents: list[PaymentIntent] = []
        timed(
            "request_payment (intent + SDK order + event)",
            n,
            lambda i: intents.append(services.request_payment(order_id=uuid.uuid4(), amount_paise=10_000 + i)),
        )
        for intent in intents:
            fake.pay(str(intent.razorpay_order_id))
        outgoing = fake.ledger.take_outbox()
        stored: list[int] = []

        def record(i: int) -> None:
            item = outgoing[i]
            event, _ = services.record_webhook(body=item.body, signature=item.signature, event_id=item.event_id)
            stored.append(event.id)

        timed("webhook verify + inbox insert", len(outgoing), record)
        timed(
            "webhook process (apply, publish once)",
            len(stored),
            lambda i: services.process_webhook(webhook_id=stored[i]),
        )
        timed(
            "duplicate webhook (verify + dedupe)",
            len(outgoing),
            lambda i: services.record_webhook(
                body=outgoing[i].body, signature=outgoing[i].signature, event_id=outgoing[i].event_id
            ),
        )
        timed(
            "refund_payment (row + SDK refund w/ key + event)",
            n,
            lambda i: services.refund_payment(
                order_id=intents[i].order_id,
                amount_paise=1_000,
                idempotency_key=f"bench-{uuid.uuid4().hex}",
                reason="b",
            ),
        )
    finally:
        fake.stop()
        # Leave the kept test database as the suite expects it: empty.
        Refund.objects.all().delete()
        PaymentTransition.objects.all().delete()
        PaymentIntent.objects.all().delete()
        WebhookEvent.objects.all().delete()
        Event.objects.filter(name__startswith="payments.").delete()


if __name__ == "__main__":
    main()
