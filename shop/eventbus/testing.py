"""Test helpers any app can use.

with captured_events() as published:
    services.reserve_stock(...)
assert [type(e) for e in published] == [StockReserved]

deliver_pending()   # run every pending delivery now, synchronously
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop.events import Event

from . import delivery
from .publishing import _captures


@contextmanager
def captured_events() -> Iterator[list[Event]]:
    """Collect the events published inside the block (they are stored as usual too)."""
    published: list[Event] = []
    stack = getattr(_captures, "stack", None)
    if stack is None:
        stack = _captures.stack = []
    stack.append(published)
    try:
        yield published
    finally:
        stack.remove(published)


def deliver_pending(*, ignore_backoff: bool = False, max_rounds: int = 1000) -> int:
    """Deliver synchronously until nothing is claimable; returns how many were delivered.

    `ignore_backoff=True` also runs retries that are waiting out their backoff, so a
    failing handler is driven to its dead letter within one call.
    """
    total = 0
    for _ in range(max_rounds):
        claimed = delivery.deliver_batch(ignore_backoff=ignore_backoff)
        if claimed == 0:
            return total
        total += claimed
    raise RuntimeError(f"deliveries still pending after {max_rounds} rounds: do handlers publish in a loop?")
