"""The embedded default's beat: threads of the web process run Celery beat's whole schedule.

`make run` has no broker, no worker and no `celery beat`, so without this nothing periodic
would happen: no outbox sweep, no unpaid order expiring, no checkout hold released, no
payment reconciled, no slots generated. `start_inprocess_beat()` starts a daemon thread that
gives each entry of the schedule (`shop.celery.app.conf.beat_schedule`: CELERY_BEAT_SCHEDULE
and every app's register_periodic_task(), read again each second so an app that registers
later is not missed) a thread of its own, which calls the entry's task in this process at
the entry's interval. One slow task (a reconcile waiting for Razorpay) does not hold up the
others; a task that fails is logged and runs again at its next time.

As with `celery beat`, an entry first runs one interval after the start, except that no
first run waits longer than `first_run_max_seconds` (60 s): the server restarts far more
often than once a day, and the daily slot generation must still happen.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import structlog
from celery.schedules import BaseSchedule, maybe_schedule, schedule
from django.db import close_old_connections

log = structlog.get_logger("shop.beat")
_started = threading.Event()

FIRST_RUN_MAX_SECONDS = 60.0
POLL_SECONDS = 1.0


def is_serving() -> bool:
    """True in the process that serves requests (`runserver`, not its autoreloader's parent)."""
    if "runserver" not in sys.argv:
        return False
    return os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv


def start_inprocess_beat(
    *, poll_seconds: float = POLL_SECONDS, first_run_max_seconds: float = FIRST_RUN_MAX_SECONDS
) -> bool:
    """Run beat's schedule from threads of this process (once per process); returns whether it started."""
    if _started.is_set():
        return False
    _started.set()
    threading.Thread(
        target=_supervise, args=(poll_seconds, first_run_max_seconds), name="inprocess-beat", daemon=True
    ).start()
    log.info("inprocess_beat_started")
    return True


def _supervise(poll_seconds: float, first_run_max_seconds: float) -> None:
    from shop.celery import app

    running: set[str] = set()
    try:  # the apps' tasks modules, as `celery beat` and workers import them
        app.loader.import_default_modules()
    except Exception:
        log.exception("inprocess_beat_import_failed")
    while True:
        try:
            for name, entry in list((app.conf.beat_schedule or {}).items()):
                if name in running:
                    continue
                running.add(name)
                threading.Thread(
                    target=_run_entry, args=(name, dict(entry), first_run_max_seconds), name=f"beat:{name}", daemon=True
                ).start()
        except Exception:  # keep watching the schedule
            log.exception("inprocess_beat_schedule_failed")
        time.sleep(poll_seconds)


def _run_entry(name: str, entry: dict[str, Any], first_run_max_seconds: float) -> None:
    from shop.celery import app

    try:
        every = maybe_schedule(entry["schedule"], app=app)
        if not isinstance(every, BaseSchedule):
            raise TypeError(f"not a schedule: {entry['schedule']!r}")
        last_run_at = every.now()
        if isinstance(every, schedule):  # a plain interval: the first run waits at most first_run_max_seconds
            interval = every.seconds
            last_run_at -= timedelta(seconds=max(0.0, interval - first_run_max_seconds))
    except Exception:
        log.exception("inprocess_beat_entry_invalid", entry=name, task=entry.get("task"))
        return
    log.info("inprocess_beat_entry_scheduled", entry=name, task=entry["task"], schedule=str(entry["schedule"]))
    while True:
        try:
            due, next_check_s = every.is_due(last_run_at)
        except Exception:
            log.exception("inprocess_beat_entry_invalid", entry=name, task=entry["task"])
            due, next_check_s = False, 60.0
        if not due:
            time.sleep(max(0.05, min(next_check_s, 60.0)))
            continue
        last_run_at = every.now()
        run_task(name, entry)


def run_task(name: str, entry: dict[str, Any]) -> bool:
    """Call the entry's task here and now; a failure is logged, never raised. Returns whether it succeeded."""
    from shop.celery import app

    try:
        close_old_connections()
        task = app.tasks[entry["task"]]
        task(*entry.get("args", ()), **entry.get("kwargs", {}))
    except Exception:  # one bad run must not end the thread: the next one may succeed
        log.exception("inprocess_beat_task_failed", entry=name, task=entry["task"])
        return False
    finally:
        close_old_connections()
    return True
