"""Forecast each SKU's demand at each store now (the daily task does it too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from analytics import services


class Command(BaseCommand):
    help = (
        "Forecast each SKU's daily demand at each store from the ANALYTICS_FORECAST_DAYS before today "
        "(reorder advice reads it); Celery beat runs the same daily. Safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = services.refresh_forecasts()
        self.stdout.write(f"Forecast {made} SKUs at their stores.")
