"""The daily near-expiry digest: per store, the batches on the shelf that expire within
INVENTORY_NEAR_EXPIRY_DAYS, published once per store and day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from celery.schedules import crontab
from django.test import override_settings
from django.utils import timezone

from inventory import services
from inventory.events import BatchesNearExpiry, NearExpiryBatch
from inventory.models import Batch, NearExpiryDigest, Store
from inventory.tasks import announce_batches_near_expiry_task
from shop.celery import app
from shop.eventbus.testing import captured_events

from .factories import SkuFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _receive(store: Store, *, days: int | None, quantity: int = 5, code: str, grams: bool = False) -> Batch:
    sku = SkuFactory(base_unit="g" if grams else "pcs", step=250 if grams else 1, name=f"Item {code}")
    expires_on = None if days is None else timezone.localdate() + timedelta(days=days)
    return services.receive_stock(
        store_id=store.id, sku_id=sku.sku_id, quantity=quantity, expires_on=expires_on, batch_code=code
    )


def _digests(published: list) -> list[BatchesNearExpiry]:
    return [event for event in published if isinstance(event, BatchesNearExpiry)]


def test_the_digest_lists_a_stores_batches_expiring_up_to_the_windows_last_day(store, today):
    tomorrow = _receive(store, days=1, code="B-1", quantity=1500, grams=True)
    last_day = _receive(store, days=2, code="B-2")
    expires_today = _receive(store, days=0, code="B-0")
    _receive(store, days=3, code="B-3")  # the day after the window: out
    _receive(store, days=None, code="B-NEVER")

    with captured_events() as published:
        assert services.announce_batches_near_expiry() == 1

    assert _digests(published) == [
        BatchesNearExpiry(
            store_id=store.id,
            store_code=store.code,
            store_title=store.title,
            day=today,
            within_days=2,
            batches=tuple(
                NearExpiryBatch(
                    batch_id=batch.id,
                    stock_id=batch.stock_id,
                    sku_id=batch.stock.sku_id,
                    sku_code=batch.stock.sku.sku_code,
                    sku_name=batch.stock.sku.name,
                    batch_code=batch.code,
                    quantity=batch.quantity,
                    unit=unit,
                    expires_on=batch.expires_on,
                )
                for batch, unit in [(expires_today, "packs"), (tomorrow, "g"), (last_day, "packs")]
            ),
        )
    ]


@override_settings(INVENTORY_NEAR_EXPIRY_DAYS=5)
def test_the_window_comes_from_the_setting(store):
    _receive(store, days=5, code="B-5")
    _receive(store, days=6, code="B-6")

    with captured_events() as published:
        services.announce_batches_near_expiry()

    [digest] = _digests(published)
    assert (digest.within_days, [b.batch_code for b in digest.batches]) == (5, ["B-5"])


def test_empty_written_off_and_expired_batches_are_not_listed(store, today):
    sold = _receive(store, days=1, code="B-SOLD", quantity=2)
    services.adjust_stock(store_id=store.id, sku_id=sold.stock.sku_id, delta=-2, reason="damaged")
    written_off = _receive(store, days=1, code="B-WRITTEN-OFF")
    Batch.objects.filter(pk=written_off.pk).update(written_off_at=timezone.now())
    expired = _receive(store, days=0, code="B-EXPIRED")
    Batch.objects.filter(pk=expired.pk).update(expires_on=today - timedelta(days=1))  # the sweep's, not ours

    with captured_events() as published:
        assert services.announce_batches_near_expiry() == 0

    assert _digests(published) == []
    assert not NearExpiryDigest.objects.exists()


def test_one_digest_per_store_and_none_for_a_store_without_such_batches(store, today):
    other = StoreFactory()
    quiet = StoreFactory()
    _receive(store, days=0, code="A-0")
    _receive(store, days=2, code="A-2")
    _receive(other, days=1, code="O-1")
    _receive(quiet, days=10, code="Q-10")

    with captured_events() as published:
        assert services.announce_batches_near_expiry() == 2

    digests = {d.store_id: [b.batch_code for b in d.batches] for d in _digests(published)}
    assert digests == {store.id: ["A-0", "A-2"], other.id: ["O-1"]}
    assert sorted(NearExpiryDigest.objects.values_list("store__code", "day", "batches")) == sorted(
        [(store.code, today, 2), (other.code, today, 1)]
    )


def test_a_second_run_the_same_day_publishes_nothing_and_the_next_day_again(store, today):
    _receive(store, days=1, code="B-1")
    _receive(store, days=3, code="B-3")
    with captured_events() as published:
        services.announce_batches_near_expiry()
    assert len(_digests(published)) == 1

    later_today = timezone.make_aware(datetime.combine(today, datetime.max.time()) - timedelta(minutes=1))
    with captured_events() as published:
        assert services.announce_batches_near_expiry(now=later_today) == 0
    assert _digests(published) == []

    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    with captured_events() as published:
        assert services.announce_batches_near_expiry(now=tomorrow) == 1
    [digest] = _digests(published)
    assert (digest.day, [b.batch_code for b in digest.batches]) == (today + timedelta(days=1), ["B-1", "B-3"])


def test_old_digest_records_are_pruned(store, today):
    NearExpiryDigest.objects.create(store=store, day=today - timedelta(days=30), batches=1)
    NearExpiryDigest.objects.create(store=store, day=today - timedelta(days=3), batches=1)

    services.announce_batches_near_expiry()

    assert list(NearExpiryDigest.objects.values_list("day", flat=True)) == [today - timedelta(days=3)]


def test_the_daily_task_is_scheduled_and_runs_the_digest(store):
    entry = app.conf.beat_schedule["inventory-near-expiry-digest"]
    assert (entry["task"], entry["schedule"]) == (
        "inventory.announce_batches_near_expiry_task",
        crontab(hour=1, minute=30),
    )
    _receive(store, days=1, code="B-1")

    assert announce_batches_near_expiry_task.apply().get() == 1
    assert announce_batches_near_expiry_task.apply().get() == 0


def test_the_batch_list_offers_the_digests_window_as_a_filter(admin_client, store):
    _receive(store, days=2, code="B-2")
    _receive(store, days=3, code="B-3")

    page = admin_client.get("/admin/inventory/batch/?expiry=2").content.decode()

    assert "Expires within 2 days" in page
    assert ">B-2<" in page
    assert ">B-3<" not in page
