"""Push messages to websocket groups from synchronous code (services, Celery workers).

`push(group, message)` sends after the current transaction commits, fire-and-forget,
on one event loop per process kept in a daemon thread: the channel layer's Redis
connections live as long as that loop, instead of being opened for every message as
`async_to_sync(layer.group_send)` would do outside an event loop. A push that fails is
logged and dropped; clients re-read the state when they (re)connect.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import structlog
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = structlog.get_logger("shop.live")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():  # a forked child starts its own
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="live-push", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def push(group: str, message: dict[str, Any]) -> None:
    """Send `message` (its "type" names the consumer's handler) to `group` after commit."""
    transaction.on_commit(lambda: push_now(group, message), robust=True)


def push_now(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if not type(layer).__module__.startswith("channels_redis"):
        # The in-memory layer (the embedded default) lives on the server's own loop:
        # async_to_sync from a request's thread runs there.
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception as exc:  # a push is best effort
            log.warning("live_push_failed", group=group, error=repr(exc))
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _background_loop())
    future.add_done_callback(lambda done: _log_failure(group, done))


def _log_failure(group: str, done: Any) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("live_push_failed", group=group, error=repr(done.exception()))


def flush(timeout: float = 5.0) -> None:
    """Wait until pushes sent so far have left (tests, and processes about to exit)."""
    if _loop is None or _loop_pid != os.getpid():
        return

    async def _noop() -> None:
        return None

    asyncio.run_coroutine_threadsafe(_noop(), _loop).result(timeout)
