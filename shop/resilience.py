"""A circuit breaker for calls to the outside world, shared by every process through the cache.

When a remote service (Razorpay) is down, each call waits for its timeout before failing:
with two worker processes, a few such calls stall every app's events behind them. The
breaker counts failures in a window; at `failures` it opens for `cooldown` seconds,
during which calls fail at once with CircuitOpen (the caller's "retry later" path). After
the cooldown, calls go through again (half-open): one failure then reopens it at once, a
success closes it. The state lives in the cache (Redis), so all web and worker processes
share one view of the service. If the cache itself fails, the breaker stays out of the way:
calls go through as if it were closed.
"""

from __future__ import annotations

import math
import time

import structlog
from django.core.cache import cache
from prometheus_client import Counter

log = structlog.get_logger("shop.resilience")

opened = Counter("circuit_breaker_opened_total", "Times a circuit breaker opened", ["name"])
refused = Counter("circuit_breaker_refused_total", "Calls refused at once by an open breaker", ["name"])


class CircuitOpen(Exception):
    """The remote service failed too often just now: not called, try again later."""


class CircuitBreaker:
    def __init__(self, name: str, *, failures: int, window: float, cooldown: float) -> None:
        self.name = name
        self.failures = failures
        self.window = window
        self.cooldown = cooldown
        # The cache keeps whole seconds (Django's Redis backend truncates): never round to 0.
        self._window_s = max(1, math.ceil(window))
        self._cooldown_s = max(1, math.ceil(cooldown))
        self._open = f"breaker:{name}:open"  # set while open: the time it opened
        self._count = f"breaker:{name}:failures"  # failures in the current window
        self._tripped = f"breaker:{name}:tripped"  # opened lately: one more failure reopens it

    def before_call(self) -> bool:
        """Raise CircuitOpen while open; returns whether there is failure state to clear on success."""
        try:
            state = cache.get_many([self._open, self._count, self._tripped])
        except Exception:  # the cache is down: no breaker, not no calls
            return False
        if self._open in state:
            refused.labels(name=self.name).inc()
            waited = time.time() - float(state[self._open])
            raise CircuitOpen(
                f"{self.name} failed {self.failures} times within {self.window:g}s; "
                f"calls paused for {max(0.0, self.cooldown - waited):.0f}s more"
            )
        return bool(state)

    def succeeded(self, had_state: bool) -> None:
        if had_state:
            try:
                cache.delete_many([self._count, self._tripped])
            except Exception:
                log.warning("circuit_breaker_cache_failed", breaker=self.name, exc_info=True)

    def failed(self) -> None:
        try:
            cache.add(self._count, 0, timeout=self._window_s)
            count = cache.incr(self._count)
            if count >= self.failures or cache.get(self._tripped) is not None:
                self._trip(count)
        except Exception:
            log.warning("circuit_breaker_cache_failed", breaker=self.name, exc_info=True)

    def _trip(self, count: int) -> None:
        if cache.add(self._open, time.time(), timeout=self._cooldown_s):  # one process announces it
            opened.labels(name=self.name).inc()
            log.warning("circuit_breaker_opened", breaker=self.name, failures=count, cooldown_s=self.cooldown)
        cache.set(self._tripped, 1, timeout=self._cooldown_s + self._window_s)
        cache.delete(self._count)

    def reset(self) -> None:
        cache.delete_many([self._open, self._count, self._tripped])
