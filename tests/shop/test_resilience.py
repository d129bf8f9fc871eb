"""shop.resilience.CircuitBreaker: shared through the cache, out of the way when the cache fails."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from shop.resilience import CircuitBreaker, CircuitOpen


def _breaker() -> CircuitBreaker:
    return CircuitBreaker("test-remote", failures=2, window=30, cooldown=30)


def test_two_processes_share_one_breaker_through_the_cache() -> None:
    here, there = _breaker(), _breaker()  # e.g. a web process and a worker
    here.failed()
    there.failed()

    with pytest.raises(CircuitOpen, match="test-remote failed 2 times within 30s"):
        here.before_call()
    with pytest.raises(CircuitOpen):
        there.before_call()

    here.reset()
    assert there.before_call() is False


def test_a_success_clears_earlier_failures() -> None:
    breaker = _breaker()
    breaker.failed()
    assert breaker.before_call() is True  # there is something to clear
    breaker.succeeded(True)
    breaker.failed()
    assert breaker.before_call() is True  # one failure again, not two: still closed


def test_with_the_cache_down_the_breaker_lets_every_call_through(monkeypatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis is down")

    for name in ("get_many", "add", "incr", "get", "set", "delete", "delete_many"):
        monkeypatch.setattr(cache, name, down)
    breaker = _breaker()
    for _ in range(5):
        assert breaker.before_call() is False
        breaker.failed()  # logged, not raised
    breaker.succeeded(True)
