"""The trace an event carries: correlation, causation and the originating request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog

from shop.observability import current_request_id


@dataclass(frozen=True)
class Trace:
    correlation_id: str
    causation_id: UUID | None
    request_id: str


_handling: ContextVar[Trace | None] = ContextVar("eventbus_handling", default=None)
_occurred_at: ContextVar[datetime | None] = ContextVar("eventbus_occurred_at", default=None)


def current_trace() -> Trace:
    """Inside a handler: the chain of the event being handled. Else: the current request."""
    trace = _handling.get()
    if trace is not None:
        return trace
    request_id = current_request_id() or ""
    return Trace(correlation_id=request_id or uuid.uuid4().hex, causation_id=None, request_id=request_id)


def current_event_id() -> UUID:
    """Inside a handler: the id of the event being handled (a natural idempotency key)."""
    trace = _handling.get()
    if trace is None or trace.causation_id is None:
        raise LookupError("current_event_id() is only known inside an event handler")
    return trace.causation_id


def current_event_occurred_at() -> datetime:
    """Inside a handler: when the event being handled was published (its transaction's
    time), not when it is handled: a backlog, a retry or a backfill hands it over later."""
    occurred_at = _occurred_at.get()
    if occurred_at is None:
        raise LookupError("current_event_occurred_at() is only known inside an event handler")
    return occurred_at


@contextmanager
def handling(
    *,
    event_id: UUID,
    name: str,
    subscriber: str,
    correlation_id: str,
    request_id: str,
    occurred_at: datetime | None = None,
) -> Iterator[None]:
    """While a handler runs: what it publishes is caused by this event; logs say so."""
    token = _handling.set(Trace(correlation_id=correlation_id, causation_id=event_id, request_id=request_id))
    occurred_token = _occurred_at.set(occurred_at)
    with structlog.contextvars.bound_contextvars(
        event_id=str(event_id),
        event_name=name,
        subscriber=subscriber,
        correlation_id=correlation_id,
        causation_id=str(event_id),
        request_id=request_id,
    ):
        try:
            yield
        finally:
            _handling.reset(token)
            _occurred_at.reset(occurred_token)
