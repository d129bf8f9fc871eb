"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered.

Run a worker with `celery -A shop worker`, the scheduler with `celery -A shop beat`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery import Celery, signals
from celery.schedules import BaseSchedule, crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _log_as_the_web_does(**_: Any) -> None:
    """Workers and beat log as the web servers do (one JSON object per line, LOG_LEVEL,
    LOG_FORMAT), not in Celery's own format: a receiver here stops Celery configuring logging."""
    from django.conf import settings

    from shop.observability import configure_logging

    configure_logging(level=settings.LOG_LEVEL, fmt=settings.LOG_FORMAT)


def register_periodic_task(
    name: str, task: str, every: timedelta | float | BaseSchedule, *, options: dict[str, Any] | None = None
) -> None:
    """The beat schedule hook: an app's ready() adds its periodic tasks here. `every` is an
    interval (seconds or a timedelta) or a Celery schedule such as `daily_at(7)`."""
    if isinstance(every, BaseSchedule):
        when: float | BaseSchedule = every
    else:
        when = every.total_seconds() if isinstance(every, timedelta) else float(every)
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        name: {"task": task, "schedule": when, "options": options or {}},
    }


def daily_at(hour: int, minute: int = 0) -> crontab:
    """Every day at this time in India (Asia/Kolkata), whatever Celery's own time zone: a
    morning email goes out in the morning, not at the hour beat happened to start."""
    india = datetime.now(ZoneInfo("Asia/Kolkata")).replace(hour=hour, minute=minute, second=0, microsecond=0)
    there = india.astimezone(ZoneInfo(str(app.conf.timezone or "UTC")))
    return crontab(hour=there.hour, minute=there.minute)


def send_once(task: Any, *, waiting_key: str, coalesce_seconds: float, **options: Any) -> bool:
    """Send `task` (a task or a signature) unless an earlier send of it still waits in the
    broker's queue: the task deletes `waiting_key` as it starts, and that one run does the
    work of every caller meanwhile. Eager (tests, the embedded default): always, it runs here.
    Returns whether it sent; a broker error is raised, and the key cleared for the next caller."""
    from django.core.cache import cache

    if not app.conf.task_always_eager and not cache.add(waiting_key, 1, timeout=coalesce_seconds):
        return False
    try:
        task.apply_async(**options)
    except Exception:
        cache.delete(waiting_key)
        raise
    return True


def warm_up() -> None:
    """Build the app's task registry and publishing machinery now (imports, about half a
    second of CPU) instead of in the first request that sends a task. For web servers;
    connects to nothing, so a broker that is down does not stop them starting."""
    app.finalize(auto=True)
    _ = app.amqp, app.producer_pool


def _serve_worker_metrics(port: int) -> None:
    from prometheus_client import start_http_server

    start_http_server(port, addr=os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"))


@signals.task_prerun.connect
def _fresh_database_connection(task: Any = None, **_: Any) -> None:
    """Each task in a worker starts on a healthy connection: Django returns the last one to
    the pool (or closes it, when unusable or past CONN_MAX_AGE) and takes one when needed.
    Eager tasks run inside their caller, whose connection (and transaction) is not ours."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@signals.worker_process_init.connect
def _metrics_for_pool_process(**_: Any) -> None:
    """Each prefork process serves its own /metrics on CELERY_METRICS_PORT + its index."""
    base = os.environ.get("CELERY_METRICS_PORT")
    if base:
        from billiard.process import current_process

        _serve_worker_metrics(int(base) + int(getattr(current_process(), "index", 0)))


@signals.worker_process_init.connect
def _tune_pool_process(**_: Any) -> None:
    """A prefork process, just forked: freeze what it inherited (see shop.runtime)."""
    from shop.runtime import tune_garbage_collector

    tune_garbage_collector()


@signals.worker_ready.connect
def _tune_worker(**_: Any) -> None:
    """The worker's main process (the one that runs tasks in the solo and thread pools),
    once started (see shop.runtime)."""
    from shop.runtime import tune_garbage_collector

    tune_garbage_collector()


@signals.worker_init.connect
def _metrics_for_solo_worker(sender: Any = None, **_: Any) -> None:
    """Solo and thread pools run tasks in the main process: it serves /metrics itself."""
    base = os.environ.get("CELERY_METRICS_PORT")
    pool = str(getattr(getattr(sender, "pool_cls", None), "__module__", ""))
    if base and not pool.endswith("prefork"):
        _serve_worker_metrics(int(base))
