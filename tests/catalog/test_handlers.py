"""Availability and stores come from inventory's events (built here, as inventory will publish them)."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from catalog.models import StockLevel, Store
from inventory.events import StockLevelChanged, StoreUpdated
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending

pytestmark = pytest.mark.django_db


def test_stock_levels_are_projected_per_store_and_sku_in_order() -> None:
    store_id, sku_id = uuid.uuid4(), uuid.uuid4()
    with transaction.atomic():
        publish(StockLevelChanged(store_id=store_id, sku_id=sku_id, available=12, in_stock=True), key=sku_id)
        publish(StockLevelChanged(store_id=store_id, sku_id=sku_id, available=0, in_stock=False), key=sku_id)

    deliver_pending()

    level = StockLevel.objects.get()
    assert (level.store_id, level.sku_id, level.available, level.in_stock) == (store_id, sku_id, 0, False)


def test_a_redelivered_event_changes_nothing_more() -> None:
    from catalog.handlers import record_availability

    store_id, sku_id = uuid.uuid4(), uuid.uuid4()
    event = StockLevelChanged(store_id=store_id, sku_id=sku_id, available=7, in_stock=True)
    record_availability(event)
    record_availability(event)
    assert list(StockLevel.objects.values_list("available", "in_stock")) == [(7, True)]


def test_stores_are_projected_from_store_updated() -> None:
    store_id = uuid.uuid4()
    with transaction.atomic():
        publish(
            StoreUpdated(store_id=store_id, code="BLR-IND", title="Indiranagar", address="12, 3rd Cross",
                         city="Bengaluru", pincode="560038", is_open=True),
            key=store_id,
        )  # fmt: skip
        publish(
            StoreUpdated(store_id=store_id, code="BLR-IND", title="Indiranagar", address="12, 3rd Cross",
                         city="Bengaluru", pincode="560038", is_open=False),
            key=store_id,
        )  # fmt: skip
    deliver_pending()

    store = Store.objects.get()
    assert (store.store_id, store.code, store.title, store.is_open) == (store_id, "BLR-IND", "Indiranagar", False)
