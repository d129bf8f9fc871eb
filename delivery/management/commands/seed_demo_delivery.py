"""Demo delivery data: zones over a few Bengaluru pincodes for the demo stores, riders, a week of slots."""

from __future__ import annotations

import os
import secrets
from datetime import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.text import slugify

from delivery import services
from delivery.events import FeePolicy, FeeTier
from delivery.models import Store, Zone
from shop.accounts.models import User
from shop.management.local_files import save_generated_password

# code, title, pincodes: the first zone whose pincodes hold a store's own pincode is that store's.
AREAS = [
    ("central", "Central Bengaluru (MG Road)", ["560001", "560025", "560042", "560052"]),
    ("indiranagar", "Indiranagar", ["560038", "560008", "560075"]),
    ("koramangala", "Koramangala", ["560034", "560095", "560047"]),
    ("hsr-layout", "HSR Layout", ["560102", "560068", "560035"]),
]
POLICY = FeePolicy(
    min_order_value_paise=9900,
    fee_tiers=(
        FeeTier(min_cart_value_paise=0, fee_paise=4900),
        FeeTier(min_cart_value_paise=19900, fee_paise=2900),
        FeeTier(min_cart_value_paise=49900, fee_paise=0),
    ),
    small_cart_threshold_paise=19900,
    small_cart_fee_paise=1500,
    late_night_start=time(23, 0),
    late_night_end=time(6, 0),
    late_night_fee_paise=2500,
    express_fee_paise=3000,
)
STANDARD_WINDOWS = [(h, h + 2) for h in range(7, 21, 2)]  # 07-09 ... 19-21
EXPRESS_WINDOWS = [(h, h + 1) for h in range(8, 22)]  # hourly, 08-22
RIDERS_PER_STORE = 2


def assign_areas(stores: list[Store]) -> dict[str, Store]:
    """Area code -> the store that serves it: a store gets the area of its own pincode, then the rest in turn."""
    served: dict[str, Store] = {}
    for store in stores:
        for code, _, pincodes in AREAS:
            if code not in served and store.pincode in pincodes:
                served[code] = store
                break
    idle = [store for store in stores if store not in served.values()] or stores
    for i, (code, _, _) in enumerate(area for area in AREAS if area[0] not in served):
        served[code] = idle[i % len(idle)]
    return served


class Command(BaseCommand):
    help = "Seed demo zones, slot templates, a week of slots and riders for the demo stores (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any zone exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Zone.objects.exists():
            self.stdout.write("  delivery: zones exist, nothing to do")
            return
        stores = list(Store.objects.filter(is_open=True).order_by("code"))
        if not stores:
            self.stderr.write("  delivery: no stores known yet (inventory's seed announces them); nothing seeded")
            return
        served_by = assign_areas(stores)
        with transaction.atomic():
            for code, title, pincodes in AREAS:
                store = served_by[code]
                zone = services.configure_zone(
                    code=code, title=title, store_id=store.store_id, pincodes=pincodes, fee_policy=POLICY
                )
                for start, end in STANDARD_WINDOWS:
                    services.set_slot_template(zone=zone, start_time=time(start), end_time=time(end), capacity=20)
                for start, end in EXPRESS_WINDOWS:
                    services.set_slot_template(
                        zone=zone, mode="express", start_time=time(start), end_time=time(end), capacity=6,
                        cutoff_minutes=10,
                    )  # fmt: skip
                self.stdout.write(f"  zone {code}: {', '.join(pincodes)} -> store {store.code}")
            created = services.generate_slots(days=7)
            self.stdout.write(f"  {created} slots for the coming week")
            self._riders(stores)

    def _riders(self, stores: list[Store]) -> None:
        password = os.environ.get("DEMO_RIDER_PASSWORD", "")
        shown = password or secrets.token_urlsafe(12)
        made = []
        for store in stores:
            for n in range(1, RIDERS_PER_STORE + 1):
                email = f"rider{n}.{slugify(store.code)}@demo.shop.in"
                name = f"Rider {n} ({store.title})"
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email=email, password=shown, full_name=name)
                    made.append(email)
                services.create_rider(user_id=user.pk, store_id=store.store_id, name=name)
        if made:
            source = "DEMO_RIDER_PASSWORD" if password else "generated"
            saved = "" if password else f", saved in {save_generated_password('rider-password.txt', shown, *made)}"
            self.stdout.write(f"  riders created ({source} password: {shown}{saved}): {', '.join(made)}")
