"""Demo coupons, valid for a year from the first seed: one of each kind, to try in the cart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cart.models import Coupon

#: code, what the customer reads, and the coupon's terms.
COUPONS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "WELCOME10",
        "10 % off your first order, up to ₹100 (orders of ₹199 or more)",
        {"kind": "percent", "percent_bp": 1000, "max_discount_paise": 10000, "min_subtotal_paise": 19900},
    ),
    ("FLAT50", "₹50 off orders of ₹499 or more", {"kind": "flat", "amount_paise": 5000, "min_subtotal_paise": 49900}),
    (
        "FREEDEL",
        "Free delivery on orders of ₹299 or more",
        {"kind": "free_delivery", "min_subtotal_paise": 29900, "per_customer_limit": 3},
    ),
]


class Command(BaseCommand):
    help = "Seed demo coupons (WELCOME10, FLAT50, FREEDEL); idempotent: existing codes are left as staff set them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any coupon exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Coupon.objects.exists():
            self.stdout.write("  coupons exist: left as they are")
            return
        now = timezone.now()
        window = {"valid_from": now, "valid_until": now + timedelta(days=365)}
        for code, description, terms in COUPONS:
            _, created = Coupon.objects.get_or_create(
                code=code, defaults={"description": description, **window, **terms}
            )
            self.stdout.write(f"  coupon {code}: {description}{'' if created else ' (kept as it was)'}")
