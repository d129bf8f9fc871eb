"""Start and stop real Celery worker processes against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, name: str, queue: str, *, env: dict[str, str], concurrency: int, beat: bool) -> None:
        self.log = Path(f"/tmp/eventbus-worker-{name}-{uuid.uuid4().hex[:6]}.log")
        cmd = [
            sys.executable, "-m", "celery", "-A", "shop", "worker", "--loglevel=INFO", "-Q", queue,
            f"--concurrency={concurrency}", "-n", f"{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            cmd += ["-B", f"--schedule=/tmp/beat-{name}-{uuid.uuid4().hex[:6]}"]
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shop.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EVENTBUS_QUEUE": queue,
            "EVENTBUS_NUDGE_ON_COMMIT": "1",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        with self.log.open("wb") as out:
            # Its own session: killing the group kills the prefork children too, as a crash would.
            self.process = subprocess.Popen(
                cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        os.killpg(self.process.pid, sig)

    def terminate_and_wait(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.wait(5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


@contextmanager
def worker(
    name: str, queue: str, *, env: dict[str, str] | None = None, concurrency: int = 2, beat: bool = False
) -> Iterator[Worker]:
    w = Worker(name, queue, env=env or {}, concurrency=concurrency, beat=beat)
    try:
        yield w
    finally:
        if w.process.poll() is None:
            w.kill()
            w.process.wait(10)


def wait_for(
    condition: Callable[[], bool], *, timeout: float = 60, what: str = "condition", worker: Worker | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(
        f"timed out waiting for {what}" + (f"\n--- worker log ---\n{worker.output()}" if worker else "")
    )


def send_nudge(queue: str) -> None:
    """What the commit hook does in production: one task to the broker."""
    from shop.celery import app
    from shop.eventbus.tasks import deliver_task

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deliver_task.apply_async(queue=queue)
    finally:
        app.conf.task_always_eager = eager
