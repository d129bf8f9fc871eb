"""The embedded default's beat: a daemon thread of the web process sweeps the outbox."""

from __future__ import annotations

import threading
import time

import structlog
from django.db import close_old_connections

from . import conf, delivery

log = structlog.get_logger("shop.eventbus")
_started = threading.Event()


def start_inprocess_sweeper() -> None:
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="eventbus-sweeper", daemon=True).start()
    log.info("eventbus_inprocess_sweeper_started", every_s=conf.get("EVENTBUS_SWEEP_SECONDS"))


def _loop() -> None:
    while True:
        time.sleep(conf.get("EVENTBUS_SWEEP_SECONDS"))
        try:
            close_old_connections()
            delivery.reap_expired_leases()
            delivery.deliver_until_empty()
        except Exception:  # keep sweeping: one bad round must not end the thread
            log.exception("eventbus_sweep_failed")
        finally:
            close_old_connections()
