"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered.

Run a worker with `celery -A shop worker`, the scheduler with `celery -A shop beat`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def register_periodic_task(
    name: str, task: str, every: timedelta | float, *, options: dict[str, Any] | None = None
) -> None:
    """The beat schedule hook: an app's ready() adds its periodic tasks here."""
    seconds = every.total_seconds() if isinstance(every, timedelta) else float(every)
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        name: {"task": task, "schedule": seconds, "options": options or {}},
    }
