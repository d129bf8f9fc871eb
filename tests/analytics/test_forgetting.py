"""Analytics forgets each order's store and its counted refunds after ANALYTICS_ORDER_MEMORY_DAYS,
so the table that lets late refunds find their store does not grow for ever."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import services
from analytics.models import OrderStore, Refund, StoreDay
from analytics.tasks import forget_old_orders_task
from shop.celery import app

pytestmark = pytest.mark.django_db


def test_old_orders_and_refunds_are_forgotten_in_batches_and_recent_ones_kept(settings) -> None:
    settings.ANALYTICS_ORDER_MEMORY_DAYS = 30
    store = uuid.uuid4()
    long_ago, lately = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)
    old = [OrderStore.objects.create(order_id=uuid.uuid4(), store_id=store, created_at=long_ago) for _ in range(3)]
    recent = OrderStore.objects.create(order_id=uuid.uuid4(), store_id=store, created_at=lately)
    for order, when in ((old[0], long_ago), (recent, lately)):
        Refund.objects.create(refund_id=uuid.uuid4(), order_id=order.order_id, amount_paise=500, channel="razorpay",
                              date=timezone.localdate(when), store_id=store)  # fmt: skip
    StoreDay.objects.create(store_id=store, date=timezone.localdate(long_ago), refunds=1, refunded_paise=500)

    assert services.forget_old_orders(older_than_days=30, batch=2) == 4
    assert list(OrderStore.objects.values_list("order_id", flat=True)) == [recent.order_id]
    assert list(Refund.objects.values_list("order_id", flat=True)) == [recent.order_id]
    assert StoreDay.objects.get().refunded_paise == 500  # the reports stay

    assert forget_old_orders_task.delay().get() == 0  # the daily task, on the setting


def test_forgetting_runs_daily_on_beat() -> None:
    entry = app.conf.beat_schedule["analytics-forget-old-orders"]
    assert (entry["task"], entry["schedule"]) == ("analytics.forget_old_orders_task", 24 * 60 * 60)
