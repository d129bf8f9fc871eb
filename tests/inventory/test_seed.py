"""The demo seed: stores announced, every catalog SKU stocked, every state shown, idempotent."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from catalog.events import ProductPublished
from inventory import selectors
from inventory.events import StoreUpdated
from inventory.models import Movement, Sku, Stock, Store
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending

from .factories import sku_snapshot

pytestmark = pytest.mark.django_db


def _catalog_publishes(count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            product_id = uuid.uuid4()
            weight = n % 4 == 0
            sku = sku_snapshot(
                product_id=product_id,
                sku_code=f"DEMO-{n:03d}",
                name=f"Demo item {n}",
                sold_by="weight" if weight else "unit",
                base_unit="g" if weight else "pcs",
                step=250 if weight else 1,
                pack_label="250 g" if weight else "1 pc",
                shelf_life_days=4 if n % 2 else None,
                min_life_on_delivery_days=1 if n % 2 else 0,
            )
            publish(
                ProductPublished(product_id=product_id, slug=f"demo-{n}", title=f"Demo {n}", skus=(sku,)),
                key=product_id,
            )
    deliver_pending()


def test_the_seed_stocks_every_sku_in_every_state():
    _catalog_publishes(30)

    with captured_events() as published:
        call_command("seed_demo_inventory", stdout=StringIO())

    stores = list(Store.objects.order_by("code"))
    assert [s.code for s in stores] == ["blr-hsr", "blr-indiranagar", "blr-koramangala"]
    assert {s.city for s in stores} == {"Bengaluru"}
    assert sorted(e.code for e in published if isinstance(e, StoreUpdated)) == [s.code for s in stores]
    assert Stock.objects.count() == 3 * Sku.objects.count() == 90
    assert Stock.objects.filter(available=0).exists()
    assert Stock.objects.filter(available__gt=0).exists()
    assert selectors.list_near_expiry().exists()
    assert selectors.list_low_stock().exists()
    assert selectors.reconcile_ledger() == []


def test_the_seed_is_idempotent_and_if_empty_skips():
    _catalog_publishes(4)
    call_command("seed_demo_inventory", stdout=StringIO())
    movements = Movement.objects.count()

    call_command("seed_demo_inventory", if_empty=True, stdout=StringIO())
    call_command("seed_demo_inventory", stdout=StringIO())

    assert Store.objects.count() == 3
    assert Movement.objects.count() == movements
