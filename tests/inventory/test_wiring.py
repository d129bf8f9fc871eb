"""The app's wiring: its events are registered contracts, its periodic tasks are scheduled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab

from inventory import events
from inventory.models import Batch, Stock
from inventory.tasks import sweep_batches_task
from shop.celery import app
from shop.eventbus import registry


def test_every_inventory_event_is_a_registered_contract():
    names = {name for name in registry.event_types() if name.startswith("inventory.")}
    assert names == {
        "inventory.store_updated.v1",
        "inventory.stock_level_changed.v1",
        "inventory.stock_reserved.v1",
        "inventory.stock_reservation_failed.v1",
        "inventory.stock_released.v1",
        "inventory.stock_committed.v1",
        "inventory.stock_low.v1",
        "inventory.batch_expired.v1",
        "inventory.batches_near_expiry.v1",
    }
    assert events.StockReservationFailed.model_json_schema()["properties"]["shortfalls"]["type"] == "array"


def test_the_subscriptions_are_registered():
    names = {sub.name for sub in registry.subscriptions() if sub.name.startswith("inventory.")}
    assert names == {
        "inventory.project_published_skus",
        "inventory.project_updated_skus",
        "inventory.project_discontinued_skus",
        "inventory.reserve_stock_for_order",
        "inventory.hold_stock_of_confirmed_order",
        "inventory.release_stock_of_cancelled_order",
        "inventory.commit_stock_when_picked",
    }
    # They lock hot stock rows: each delivery commits on its own.
    saga = {"reserve_stock_for_order", "release_stock_of_cancelled_order", "commit_stock_when_picked"}
    assert all(registry.get_subscription(f"inventory.{name}").own_transaction for name in saga)
    # Only the order's own reservation row: it shares the batch's transaction.
    assert not registry.get_subscription("inventory.hold_stock_of_confirmed_order").own_transaction


def test_the_periodic_tasks_are_scheduled():
    schedule = app.conf.beat_schedule
    assert schedule["inventory-release-expired"]["task"] == "inventory.release_expired_task"
    assert schedule["inventory-release-expired"]["schedule"] == 60.0
    assert schedule["inventory-sweep-batches"]["task"] == "inventory.sweep_batches_task"
    assert schedule["inventory-near-expiry-digest"]["task"] == "inventory.announce_batches_near_expiry_task"
    assert schedule["inventory-near-expiry-digest"]["schedule"] == crontab(hour=1, minute=30)  # 07:00 in India


@pytest.mark.django_db
def test_the_batch_sweep_task_writes_off_and_relevels(store, stocked, today):
    expired = stocked(4, days=5)
    ageing = stocked(3, days=5, min_life=2)
    # Time passes: one batch is past its expiry, the other has less than the minimum life left.
    Batch.objects.filter(stock__sku=expired).update(expires_on=today - timedelta(days=1))
    Batch.objects.filter(stock__sku=ageing).update(expires_on=today + timedelta(days=1))

    assert sweep_batches_task.apply().get() == {"written_off": 4, "levels_changed": 1}

    assert list(Stock.objects.filter(sku__in=[expired, ageing]).values_list("on_hand", "available")) in (
        [(0, 0), (3, 0)],
        [(3, 0), (0, 0)],
    )
