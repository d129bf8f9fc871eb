"""The embedded default (`make run`: no broker, no worker, no `celery beat`): the web process
runs beat's whole schedule itself, each task at its interval, a failing one logged, not fatal."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.embedded import run_embedded

SCRIPT = """
import threading, time
from shop import beat
from shop.celery import app

real = dict(app.conf.beat_schedule)
runs = {}
lock = threading.Lock()
run_task = beat.run_task

def recording(name, entry):
    ok = run_task(name, entry)
    with lock:
        runs.setdefault(entry["task"], []).append("ok" if ok else "error")
    return ok

beat.run_task = recording

@app.task(name="tests.beat.boom")
def boom():
    raise RuntimeError("boom")

@app.task(name="tests.beat.daily")
def daily():
    return 1

# The apps' own entries, at a fraction of a second, plus one that always fails.
app.conf.beat_schedule = {
    **{name: {**entry, "schedule": 0.3} for name, entry in real.items()},
    "tests-boom": {"task": "tests.beat.boom", "schedule": 0.3},
    # A daily entry: its first run does not wait a day (the server restarts more often).
    "tests-daily": {"task": "tests.beat.daily", "schedule": 24 * 3600},
}
print("started", beat.start_inprocess_beat(poll_seconds=0.1, first_run_max_seconds=0.5))
print("again", beat.start_inprocess_beat(poll_seconds=0.1))
deadline = time.monotonic() + 30
wanted = {entry["task"]: 1 if entry["schedule"] > 60 else 2 for entry in app.conf.beat_schedule.values()}
while time.monotonic() < deadline:
    with lock:
        if all(len(runs.get(name, [])) >= times for name, times in wanted.items()):
            break
    time.sleep(0.1)
time.sleep(0.5)
with lock:
    for name, times in sorted(wanted.items()):
        print("ran", name, sorted(set(runs.get(name, []))), len(runs.get(name, [])) >= times)
    print("daily runs", len(runs.get("tests.beat.daily", [])))
"""


@pytest.mark.integration
def test_the_embedded_process_runs_beats_whole_schedule(tmp_path: Path) -> None:
    result = run_embedded(SCRIPT, tmp_path, LOG_FORMAT="console")

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "started True" in out
    assert "again False" in out  # one beat per process
    for task in (
        "eventbus.sweep",
        "orders.cancel_expired_task",
        "inventory.release_expired_task",
        "inventory.sweep_batches_task",
        "delivery.generate_slots_task",
        "payments.reconcile_task",
    ):
        assert f"ran {task} ['ok'] True" in out, out  # every periodic task, again and again, on SQLite
    # A task that fails is logged and runs again at its next time; the others go on.
    assert "ran tests.beat.boom ['error'] True" in out, out
    assert "inprocess_beat_task_failed" in out + result.stderr
    assert "daily runs 1" in out  # soon after the start, then not again for a day


@pytest.mark.integration
def test_runserver_in_the_embedded_default_schedules_every_periodic_task(tmp_path: Path) -> None:
    """`make run`'s server (SQLite, no Redis) starts the beat with every app's entries."""
    unset = ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "SHOP_INPROCESS_BEAT", "EVENTBUS_INPROCESS_SWEEPER")
    env = {
        **{name: value for name, value in os.environ.items() if name not in unset},
        "DJANGO_SETTINGS_MODULE": "shop.settings.base",  # what `make run` uses
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "SQLITE_PATH": str(tmp_path / "embedded.sqlite3"),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    scheduled: set[str] = set()
    lines: list[str] = []
    wanted = {
        "eventbus.sweep",
        "orders.cancel_expired_task",
        "inventory.release_expired_task",
        "inventory.sweep_batches_task",
        "delivery.generate_slots_task",
        "payments.reconcile_task",
    }
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not wanted <= scheduled:
            time.sleep(0.2)
            scheduled = {
                record["task"] for record in _records(lines) if record["event"] == "inprocess_beat_entry_scheduled"
            }
        time.sleep(5)  # the sweep's first runs (every 2 s)
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=10)
    output = "".join(lines)
    assert wanted <= scheduled, output[-5000:]
    assert "inprocess_beat_task_failed" not in output, output[-5000:]  # e.g. a task its process never imported


def _records(lines: list[str]) -> list[dict]:
    records = []
    for line in list(lines):
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict) and "event" in record:
                records.append(record)
    return records
