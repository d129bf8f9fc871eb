"""Analytics' periodic work: forget what the reports no longer need; forecast demand."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="analytics.forget_old_orders_task")
def forget_old_orders_task() -> int:
    """Drop the order-to-store rows and counted refunds past ANALYTICS_ORDER_MEMORY_DAYS."""
    return services.forget_old_orders(older_than_days=settings.ANALYTICS_ORDER_MEMORY_DAYS)


@shared_task(name="analytics.refresh_forecasts_task")
def refresh_forecasts_task() -> int:
    """Forecast each SKU's demand at each store from the days before today (reorder advice reads it)."""
    return services.refresh_forecasts()
