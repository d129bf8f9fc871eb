"""Run the local fake Razorpay (what tests, benchmarks and `make run` pay against)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments import conf
from payments.fake_razorpay import FakeRazorpay


class Command(BaseCommand):
    help = "Serve a fake Razorpay API, checkout page and signed webhooks on 127.0.0.1 (in memory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Loopback only: this is a fake.")
        parser.add_argument("--port", type=int, default=9100)
        parser.add_argument(
            "--webhook-url",
            default="http://127.0.0.1:8000/payments/razorpay/webhook/",
            help="Where to send the signed webhooks (empty: send none).",
        )
        parser.add_argument("--webhook-delay", type=float, default=0.0, help="Seconds before each webhook.")
        parser.add_argument("--duplicate-webhooks", action="store_true", help="Send every webhook twice.")
        parser.add_argument("--reverse-webhooks", action="store_true", help="Send each batch newest first.")
        parser.add_argument("--timeout-order-creates", type=int, default=0, help="Stall the next N order creations.")
        parser.add_argument("--fail-refunds", action="store_true", help="Refunds fail (refund.failed webhooks).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["host"] not in conf.LOCAL_HOSTS:
            raise CommandError("the fake Razorpay listens on loopback only")
        fake = FakeRazorpay(
            key_id=conf.key_id(),
            key_secret=conf.key_secret(),
            webhook_secret=conf.webhook_secret(),
            webhook_url=options["webhook_url"] or None,
            host=options["host"],
            port=options["port"],
        )
        fake.knobs.webhook_delay = options["webhook_delay"]
        fake.knobs.duplicate_webhooks = options["duplicate_webhooks"]
        fake.knobs.reverse_webhooks = options["reverse_webhooks"]
        fake.knobs.timeout_next_order_creates = options["timeout_order_creates"]
        fake.knobs.fail_refunds = options["fail_refunds"]
        self.stdout.write(f"Fake Razorpay on {fake.url} (key {conf.key_id()}), webhooks to {fake.webhook_url}")
        try:
            fake.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Fake Razorpay stopped.")
