"""Demo stores and stock: three Bengaluru dark stores, batches for every projected SKU; idempotent."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from inventory import services
from inventory.models import Sku, Stock, Store

_NAMESPACE = uuid.UUID("6f1c2d0e-6b1f-4c59-9d59-2a41c1f1e5a1")

STORES = [
    {
        "code": "blr-indiranagar",
        "title": "Indiranagar dark store",
        "address": "12, 100 Feet Road, HAL 2nd Stage, Indiranagar",
        "pincode": "560038",
        "latitude": 12.9719,
        "longitude": 77.6412,
    },
    {
        "code": "blr-koramangala",
        "title": "Koramangala dark store",
        "address": "88, 80 Feet Road, 4th Block, Koramangala",
        "pincode": "560034",
        "latitude": 12.9352,
        "longitude": 77.6245,
    },
    {
        "code": "blr-hsr",
        "title": "HSR Layout dark store",
        "address": "27th Main Road, Sector 1, HSR Layout",
        "pincode": "560102",
        "latitude": 12.9116,
        "longitude": 77.6474,
    },
]


class Command(BaseCommand):
    help = "Seed demo dark stores and stock with batches for every SKU the catalog published; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if stores exist already.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Store.objects.exists():
            self.stdout.write("Inventory already seeded; nothing to do.")
            return
        # One transaction: all or nothing, and fast on SQLite.
        with transaction.atomic():
            stores = [self._store(values) for values in STORES]
            skus = list(Sku.objects.filter(is_active=True).order_by("sku_code"))
            stocked = sum(self._stock(store, sku) for store in stores for sku in skus)
        if not skus:
            self.stdout.write(self.style.WARNING("No SKUs known yet: seed the catalog first (seed_demo does)."))
        self.stdout.write(f"  {len(stores)} stores, {stocked} stock rows seeded for {len(skus)} SKUs.")

    def _store(self, values: dict[str, Any]) -> Store:
        existing = Store.objects.filter(code=values["code"]).first()
        if existing is not None:
            return existing
        store_id = uuid.uuid5(_NAMESPACE, values["code"])
        return services.create_store(store_id=store_id, city="Bengaluru", **values)

    def _stock(self, store: Store, sku: Sku) -> int:
        """Receive batches of one SKU at one store, unless it has stock already; returns 1 if seeded."""
        if Stock.objects.filter(store=store, sku=sku).exists():
            return 0
        rng = random.Random(f"{store.code}:{sku.sku_code}")  # noqa: S311 - demo data, reproducible
        today = timezone.localdate()
        unit = sku.step if sku.base_unit == "g" else 1
        life = sku.shelf_life_days or 180
        first = services.receive_stock(
            store_id=store.id,
            sku_id=sku.sku_id,
            quantity=unit * rng.randint(12, 60),
            expires_on=today + timedelta(days=life),
            batch_code=f"DEMO-{store.code[4:8].upper()}-1",
        )
        roll = rng.random()
        if sku.shelf_life_days is not None and roll < 0.35:
            # Near expiry but still sellable: the first expiry picked first.
            services.receive_stock(
                store_id=store.id,
                sku_id=sku.sku_id,
                quantity=unit * rng.randint(2, 8),
                expires_on=today + timedelta(days=sku.min_life_on_delivery_days + 1),
                batch_code=f"DEMO-{store.code[4:8].upper()}-NEAR",
            )
        services.set_low_stock_threshold(store_id=store.id, sku_id=sku.sku_id, threshold=unit * 5)
        if roll > 0.9:
            services.adjust_stock(
                store_id=store.id,
                sku_id=sku.sku_id,
                delta=-first.received_quantity,
                batch_id=first.id,
                reason="demo: sold out",
            )
        elif roll > 0.8:
            services.adjust_stock(
                store_id=store.id,
                sku_id=sku.sku_id,
                delta=-(first.received_quantity - unit * 3),
                batch_id=first.id,
                reason="demo: running low",
            )
        return 1
