"""The daily near-expiry digest: per store, the batches on the shelf that expire soon, announced once a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.db import create_or_get
from shop.eventbus import publish

from ..events import BatchesNearExpiry, NearExpiryBatch
from ..models import Batch, NearExpiryDigest
from ..selectors import list_expiring_on_shelf

#: Digest records older than this are deleted (they only stop a second digest on the same day).
DIGEST_RECORDS_KEPT_DAYS = 14


def near_expiry_days() -> int:
    """INVENTORY_NEAR_EXPIRY_DAYS: batches expiring today up to this many days ahead are listed."""
    return max(0, int(getattr(settings, "INVENTORY_NEAR_EXPIRY_DAYS", 2)))


def announce_batches_near_expiry(*, now: datetime | None = None) -> int:
    """Publish one BatchesNearExpiry per store with batches expiring within the window, at most once per
    store and local day (a NearExpiryDigest row, written with the event, says it went); returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = near_expiry_days()
    announced = 0
    for _store_id, rows in groupby(list_expiring_on_shelf(today=today, days=days), key=lambda b: b.stock.store_id):
        batches = list(rows)
        with transaction.atomic():
            store = batches[0].stock.store
            # Taken first: a second run the same day (or a concurrent one, which waits for this commit) skips.
            _, created = create_or_get(NearExpiryDigest, {"store": store, "day": today}, batches=len(batches))
            if not created:
                continue
            publish(
                BatchesNearExpiry(
                    store_id=store.id,
                    store_code=store.code,
                    store_title=store.title,
                    day=today,
                    within_days=days,
                    batches=tuple(_near_expiry_batch(batch) for batch in batches),
                ),
                key=store.id,
            )
            announced += 1
    NearExpiryDigest.objects.filter(day__lt=today - timedelta(days=DIGEST_RECORDS_KEPT_DAYS)).delete()
    return announced


def _near_expiry_batch(batch: Batch) -> NearExpiryBatch:
    sku = batch.stock.sku
    assert batch.expires_on is not None  # the selector lists dated batches only
    return NearExpiryBatch(
        batch_id=batch.id,
        stock_id=batch.stock_id,
        sku_id=sku.sku_id,
        sku_code=sku.sku_code,
        sku_name=sku.name,
        batch_code=batch.code,
        quantity=batch.quantity,
        unit="g" if sku.base_unit == "g" else "packs",
        expires_on=batch.expires_on,
    )
