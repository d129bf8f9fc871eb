"""The delivery engine: claim a batch, run each handler once, record the outcome.

One code path for every runtime: Celery workers (nudged on commit, swept by beat),
the embedded default (the same task run in-process after commit) and the tests'
deliver_pending().

A worker claims up to EVENTBUS_BATCH_SIZE deliveries with SELECT ... FOR UPDATE SKIP
LOCKED: only the head of each (subscriber, key) line, so a key's events are handled
one after another in publish order, and a key whose head is failing holds back only
itself. The claim is a lease; the batch then runs in one transaction with its inbox rows, and the outcomes
are written in the same transaction. Handlers run without savepoints; if one fails, the
batch runs again with a savepoint around each handler, so only the failure is undone.
A worker killed mid-batch commits nothing: its lease expires and the batch is claimed again.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from shop.events import Event

from . import conf, metrics, registry
from .context import handling
from .errors import ContractError, PermanentError
from .events import DeliveryDeadLettered
from .models import Delivery, InboxEntry, PausedSubscriber
from .models import Event as EventRecord
from .publishing import publish
from .registry import Subscription

log = structlog.get_logger("shop.eventbus")

_UNDONE = (Delivery.Status.PENDING, Delivery.Status.IN_FLIGHT)
_WORKER = f"{socket.gethostname()}:{os.getpid()}"
# Where SKIP LOCKED is missing (SQLite, the embedded default) one thread delivers at a time.
_single_deliverer = threading.Lock()
# Set while this thread runs a delivery loop: an in-process nudge from a handler's commit
# must not start a second loop inside the first (the first picks the new events up).
_delivering = threading.local()


def is_delivering() -> bool:
    return bool(getattr(_delivering, "active", False))


#: How long a delivery for a subscriber this process does not know waits for a process that
#: does (about half an hour in all: any deploy is over by then), then is dead-lettered.
UNKNOWN_SUBSCRIBER_RETRY = registry.RetryPolicy(attempts=10, base_seconds=15, max_seconds=600)


@dataclass
class _Outcome:
    delivery: Delivery
    status: str  # done | duplicate | retry | dead
    error_kind: str = ""
    error: BaseException | None = None
    trace: str = ""
    handler_seconds: float = 0.0


def deliver_batch(*, batch_size: int | None = None, ignore_backoff: bool = False) -> int:
    """Claim one batch and deliver it; returns how many deliveries were claimed."""
    connection = connections[DEFAULT_DB_ALIAS]
    outer = is_delivering()
    _delivering.active = True
    try:
        if connection.features.has_select_for_update_skip_locked:
            return _deliver_batch(batch_size, ignore_backoff)
        with _single_deliverer:
            return _deliver_batch(batch_size, ignore_backoff)
    finally:
        _delivering.active = outer


def deliver_until_empty(*, max_seconds: float | None = None, ignore_backoff: bool = False) -> int:
    """Deliver batches until nothing is claimable (or time is up); returns the count."""
    budget = conf.get("EVENTBUS_RUN_SECONDS") if max_seconds is None else max_seconds
    deadline = time.monotonic() + budget
    total = 0
    while True:
        claimed = deliver_batch(ignore_backoff=ignore_backoff)
        total += claimed
        if claimed == 0 or time.monotonic() >= deadline:
            return total


def _deliver_batch(batch_size: int | None, ignore_backoff: bool) -> int:
    token = f"{_WORKER}:{uuid.uuid4().hex[:12]}"
    claimed = claim(
        token=token, batch_size=batch_size or conf.get("EVENTBUS_BATCH_SIZE"), ignore_backoff=ignore_backoff
    )
    if claimed:
        _run(claimed, token=token)
    return len(claimed)


def claim(*, token: str, batch_size: int, ignore_backoff: bool = False) -> list[Delivery]:
    """Lease the claimable heads of (subscriber, key) lines to this worker; returns them
    with their events, in publish order."""
    now = timezone.now()
    earlier_undone = Delivery.objects.filter(
        subscriber=OuterRef("subscriber"), key=OuterRef("key"), seq__lt=OuterRef("seq"), status__in=_UNDONE
    )
    claimable = Delivery.objects.filter(status=Delivery.Status.PENDING).exclude(
        subscriber__in=PausedSubscriber.objects.values("subscriber")
    )
    if not ignore_backoff:
        claimable = claimable.filter(available_at__lte=now)
    heads = claimable.filter(~Exists(earlier_undone)).order_by("seq", "id").values_list("id", flat=True)[:batch_size]
    lease = {
        "status": Delivery.Status.IN_FLIGHT,
        "claimed_by": token,
        "lease_expires_at": now + timedelta(seconds=conf.get("EVENTBUS_LEASE_SECONDS")),
    }
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(connection, heads, lease)
    with transaction.atomic():
        ids = list(heads.select_for_update(skip_locked=True))
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(**lease)
    return list(Delivery.objects.filter(id__in=ids).select_related("event").order_by("seq", "id"))


def _claim_in_one_statement(connection: Any, heads: Any, lease: dict[str, Any]) -> list[Delivery]:
    """Claim, lease and load in one round trip (the claim runs on every nudge and sweep):
    UPDATE ... FROM (the locked heads) RETURNING, joined to the events."""
    delivery_fields = list(Delivery._meta.concrete_fields)
    event_fields = list(EventRecord._meta.concrete_fields)
    quote = connection.ops.quote_name
    heads_sql, heads_params = heads.query.sql_with_params()
    heads_sql += " FOR UPDATE SKIP LOCKED"  # after the LIMIT; Django will not compile it outside a transaction
    returning = ", ".join(f"d.{quote(f.column)}" for f in delivery_fields)
    # MATERIALIZED: the locking LIMIT query runs exactly once, whatever plan the UPDATE gets.
    sql = (
        f"WITH heads AS MATERIALIZED ({heads_sql}), "  # noqa: S608 - names from the models
        f"claimed AS (UPDATE {quote(Delivery._meta.db_table)} AS d "
        f"SET {quote('status')} = %s, {quote('claimed_by')} = %s, {quote('lease_expires_at')} = %s "
        f"FROM heads WHERE d.{quote('id')} = heads.{quote('id')} RETURNING {returning}) "
        f"SELECT claimed.*, {', '.join(f'e.{quote(f.column)}' for f in event_fields)} "
        f"FROM claimed JOIN {quote(EventRecord._meta.db_table)} AS e "
        f"ON e.{quote(EventRecord._meta.pk.column)} = claimed.{quote('event_id')} "
        f"ORDER BY claimed.{quote('seq')}, claimed.{quote('id')}"
    )
    params = [*heads_params, lease["status"], lease["claimed_by"], lease["lease_expires_at"]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _row_converters(connection, [*delivery_fields, *event_fields])
    claimed = []
    split = len(delivery_fields)
    for row in rows:
        values = [convert(value) for convert, value in zip(converters, row, strict=True)]
        delivery = Delivery.from_db(DEFAULT_DB_ALIAS, [f.attname for f in delivery_fields], values[:split])
        delivery.event = EventRecord.from_db(DEFAULT_DB_ALIAS, [f.attname for f in event_fields], values[split:])
        claimed.append(delivery)
    return claimed


def _row_converters(connection: Any, fields: list[Any]) -> list[Any]:
    """What the ORM does to a raw column value of each field (JSON, UUIDs, timestamps)."""
    converters = []
    for field in fields:
        chain = [*connection.ops.get_db_converters(field), *field.get_db_converters(connection)]

        def convert(value: Any, chain: list[Any] = chain, field: Any = field) -> Any:
            for step in chain:
                value = step(value, field, connection)
            return value

        converters.append(convert)
    return converters


def _run(claimed: list[Delivery], *, token: str) -> None:
    """Most deliveries share the batch's transaction; subscribers that take row locks
    (own_transaction=True) get one each, so they hold their locks only for their own work."""
    shared: list[Delivery] = []
    isolated: list[Delivery] = []
    for delivery in claimed:
        subscription = registry.get_subscription(delivery.subscriber)
        (isolated if subscription is not None and subscription.own_transaction else shared).append(delivery)
    # The shared transaction holds every row its handlers lock until it commits. Handlers
    # lock the rows of their event's key (the order, the SKU), so taking the batch in key
    # order makes two workers' batches lock in one global order: they wait, never deadlock.
    # (A key's deliveries for different subscribers commute; order within a subscriber's
    # line is kept by the claim, which takes one head per line.)
    shared.sort(key=lambda delivery: (delivery.key, delivery.seq, delivery.id))
    if shared:
        _run_group(shared, token=token)
    for delivery in isolated:
        _run_group([delivery], token=token)


class _Abandon(Exception):
    """Roll the batch's transaction back: a handler failed with no savepoint to fall back to."""

    def __init__(self, outcome: _Outcome) -> None:
        super().__init__(outcome.status)
        self.outcome = outcome


def _run_group(claimed: list[Delivery], *, token: str) -> None:
    """Deliver `claimed` in one transaction, optimistically: no savepoint per handler (two
    statements fewer each), since handlers seldom fail. When one does, the whole transaction
    rolls back: a delivery alone records its outcome in a fresh transaction; a batch runs
    again with a savepoint around each handler, which keeps the failure apart from the
    others' effects. (Rolled back, a handler left nothing: its on-commit work is dropped too.)"""
    alone = len(claimed) == 1
    try:
        outcomes = _attempt(claimed, token=token, savepoints=False, final=alone)
    except _Abandon as abandoned:
        if alone:
            outcomes = [abandoned.outcome]
            with transaction.atomic():
                _record(outcomes, token=token)
        else:
            outcomes = _attempt(claimed, token=token, savepoints=True, final=True)
    now = timezone.now()
    for outcome in outcomes:
        sub = outcome.delivery.subscriber
        metrics.deliveries.labels(subscriber=sub, outcome=outcome.status).inc()
        if outcome.status in ("done", "duplicate"):
            metrics.handler_seconds.labels(subscriber=sub).observe(outcome.handler_seconds)
            metrics.lag_seconds.labels(subscriber=sub).observe(
                (now - outcome.delivery.event.occurred_at).total_seconds()
            )


def _attempt(claimed: list[Delivery], *, token: str, savepoints: bool, final: bool) -> list[_Outcome]:
    """One transaction over the batch. Without `savepoints`, a failing handler raises _Abandon
    (`final`: its failure is the one recorded, so it is logged; otherwise the batch runs again)."""
    outcomes: list[_Outcome] = []
    with transaction.atomic():
        ready: list[tuple[Delivery, Subscription, Event]] = []
        for delivery in claimed:
            loaded = _load(delivery)
            if isinstance(loaded, _Outcome):
                outcomes.append(loaded)
            else:
                ready.append((delivery, *loaded))
        # One statement enters the whole batch in the inbox; what was there already is a redelivery.
        entered = _enter_inbox([(d.subscriber, d.event.event_id) for d, _, _ in ready])
        for delivery, subscription, event in ready:
            if (delivery.subscriber, delivery.event.event_id) not in entered:
                outcomes.append(_Outcome(delivery, "duplicate"))
                continue
            outcome = _handle(delivery, subscription, event, savepoint=savepoints, log_failure=final)
            if outcome.status != "done":
                if not savepoints:
                    raise _Abandon(outcome)
                # The handler's savepoint is gone; its inbox row must go too, or a retry would be skipped.
                InboxEntry.objects.filter(subscriber=delivery.subscriber, event_id=delivery.event.event_id).delete()
            outcomes.append(outcome)
        _record(outcomes, token=token)
    return outcomes


def _load(delivery: Delivery) -> tuple[Subscription, Event] | _Outcome:
    """The subscriber and the event as it expects it, or the dead letter saying why not."""
    record = delivery.event
    subscription = registry.get_subscription(delivery.subscriber)
    if subscription is None:
        # In a rolling deploy a worker still on the old code meets a new handler's deliveries:
        # leave them to a worker that has it; a handler that is really gone ends dead.
        final = delivery.attempts + 1 >= UNKNOWN_SUBSCRIBER_RETRY.attempts
        error = LookupError(f"{delivery.subscriber} is not a subscriber in this process (older code, or removed)")
        return _Outcome(delivery, "dead" if final else "retry", Delivery.ErrorKind.NO_SUBSCRIBER, error)
    if subscription.takes_envelopes:
        return subscription, record  # type: ignore[return-value]  # the stored row is its event
    try:
        return subscription, registry.load_event(record.name, record.payload, subscription.event_type)
    except ContractError as exc:
        log.error(
            "eventbus_contract_failure", event_id=str(record.event_id), subscriber=delivery.subscriber, error=str(exc)
        )
        return _Outcome(delivery, "dead", Delivery.ErrorKind.CONTRACT, exc, traceback.format_exc())


def _handle(
    delivery: Delivery, subscription: Subscription, event: Event, *, savepoint: bool = True, log_failure: bool = True
) -> _Outcome:
    record = delivery.event
    with handling(
        event_id=record.event_id,
        name=record.name,
        subscriber=delivery.subscriber,
        correlation_id=record.correlation_id,
        request_id=record.request_id,
        occurred_at=record.occurred_at,
    ):
        started = time.perf_counter()
        try:
            with transaction.atomic(savepoint=savepoint):  # the handler's effect, or nothing
                subscription.handler(event)
        except PermanentError as exc:
            if log_failure:
                log.warning("eventbus_permanent_failure", error=repr(exc))
            return _Outcome(delivery, "dead", Delivery.ErrorKind.PERMANENT, exc, traceback.format_exc())
        except Exception as exc:
            attempt = delivery.attempts + 1
            if attempt >= subscription.retry.attempts:
                if log_failure:
                    log.error("eventbus_retries_exhausted", attempts=attempt, error=repr(exc))
                return _Outcome(delivery, "dead", Delivery.ErrorKind.EXCEPTION, exc, traceback.format_exc())
            if log_failure:
                log.warning("eventbus_handler_failed", attempts=attempt, error=repr(exc))
            return _Outcome(delivery, "retry", "", exc, traceback.format_exc())
        elapsed = time.perf_counter() - started
        log.debug("eventbus_handled", duration_ms=round(elapsed * 1000, 2))
        return _Outcome(delivery, "done", handler_seconds=elapsed)


def _enter_inbox(entries: list[tuple[str, uuid.UUID]]) -> set[tuple[str, uuid.UUID]]:
    """Record (subscriber, event id) pairs; returns those that were not there before."""
    if not entries:
        return set()
    connection = connections[DEFAULT_DB_ALIAS]
    field = InboxEntry._meta.get_field("event_id")
    table = InboxEntry._meta.db_table
    now = timezone.now()
    values = ", ".join(["(%s, %s, %s)"] * len(entries))
    params: list[Any] = []
    prepared: dict[Any, uuid.UUID] = {}
    for subscriber, event_id in entries:
        db_value = field.get_db_prep_value(event_id, connection)
        prepared[str(db_value)] = event_id
        params += [subscriber, db_value, now]
    with connection.cursor() as cursor:
        # A concurrent holder of the same row (a worker whose lease we took over) makes
        # this wait for its commit, then skip: the effect is applied once either way.
        cursor.execute(
            f"INSERT INTO {table} (subscriber, event_id, handled_at) VALUES {values} "  # noqa: S608 - no user input
            "ON CONFLICT (subscriber, event_id) DO NOTHING RETURNING subscriber, event_id",
            params,
        )
        return {
            (subscriber, prepared[str(field.get_db_prep_value(raw, connection))])
            for subscriber, raw in cursor.fetchall()
        }


def _record(outcomes: list[_Outcome], *, token: str) -> None:
    now = timezone.now()
    finished = [o.delivery.id for o in outcomes if o.status in ("done", "duplicate")]
    if finished:
        _mark_done(finished, token=token, now=now)
    for outcome in outcomes:
        if outcome.status == "retry":
            subscription = registry.get_subscription(outcome.delivery.subscriber)
            policy = subscription.retry if subscription is not None else UNKNOWN_SUBSCRIBER_RETRY
            delay = policy.delay(outcome.delivery.attempts + 1)
            Delivery.objects.filter(id=outcome.delivery.id, claimed_by=token).update(
                status=Delivery.Status.PENDING,
                attempts=F("attempts") + 1,
                available_at=now + timedelta(seconds=delay),
                lease_expires_at=None,
                error_kind=outcome.error_kind,
                **_error_fields(outcome),
            )
        elif outcome.status == "dead":
            fields = _error_fields(outcome)
            died = Delivery.objects.filter(id=outcome.delivery.id, claimed_by=token).update(
                status=Delivery.Status.DEAD,
                attempts=F("attempts") + 1,
                dead_at=now,
                lease_expires_at=None,
                error_kind=outcome.error_kind,
                **fields,
            )
            if died:
                _announce_dead(
                    outcome.delivery,
                    error_kind=outcome.error_kind,
                    error=fields["last_error"],
                    attempts=outcome.delivery.attempts + 1,
                    dead_at=now,
                )


def _mark_done(ids: list[int], *, token: str, now: Any) -> None:
    """The hot path's one write per batch, as plain SQL (the ORM's query building cost more
    than the statement): done, if the lease is still ours."""
    connection = connections[DEFAULT_DB_ALIAS]
    table = connection.ops.quote_name(Delivery._meta.db_table)
    in_ids = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, attempts = attempts + 1, completed_at = %s, "  # noqa: S608 - no user input
            f"lease_expires_at = NULL, error_kind = '' WHERE claimed_by = %s AND id IN ({in_ids})",
            [Delivery.Status.DONE, connection.ops.adapt_datetimefield_value(now), token, *ids],
        )


def _announce_dead(delivery: Delivery, *, error_kind: str, error: str, attempts: int, dead_at: Any) -> None:
    """Publish DeliveryDeadLettered with the dead outcome (same transaction), so someone looks."""
    event = delivery.event
    if event.name == DeliveryDeadLettered.name:
        return  # the alert itself died: announcing it again could go round forever
    publish(
        DeliveryDeadLettered(
            delivery_id=delivery.id,
            subscriber=delivery.subscriber,
            event_id=event.event_id,
            event_name=event.name,
            event_key=event.key,
            error_kind=error_kind,
            error=error[:500],
            attempts=attempts,
            dead_at=dead_at,
        ),
        key=delivery.subscriber,
    )


def _error_fields(outcome: _Outcome) -> dict[str, Any]:
    error = outcome.error
    assert error is not None
    return {
        "error_type": f"{type(error).__module__}.{type(error).__qualname__}"[:200],
        "last_error": str(error)[:4000] or repr(error),
        "last_traceback": outcome.trace[-20000:],
    }


def reap_expired_leases() -> int:
    """Take back deliveries whose worker stopped answering; dead-letter repeat offenders."""
    now = timezone.now()
    taken = 0
    with transaction.atomic():
        expired = list(
            Delivery.objects.filter(status=Delivery.Status.IN_FLIGHT, lease_expires_at__lt=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .only("id", "subscriber", "attempts", "claimed_by", "event__event_id", "event__name", "event__key")
        )
        for delivery in expired:
            subscription = registry.get_subscription(delivery.subscriber)
            attempts = delivery.attempts + 1
            error = f"lease of {delivery.claimed_by} expired: the worker died or stalled"
            if subscription is not None and attempts >= subscription.retry.attempts:
                Delivery.objects.filter(id=delivery.id).update(
                    status=Delivery.Status.DEAD,
                    attempts=attempts,
                    dead_at=now,
                    lease_expires_at=None,
                    error_kind=Delivery.ErrorKind.LOST,
                    error_type="LeaseExpired",
                    last_error=error,
                )
                _announce_dead(
                    delivery, error_kind=Delivery.ErrorKind.LOST, error=error, attempts=attempts, dead_at=now
                )
            else:
                Delivery.objects.filter(id=delivery.id).update(
                    status=Delivery.Status.PENDING,
                    attempts=attempts,
                    available_at=now,
                    lease_expires_at=None,
                    error_type="LeaseExpired",
                    last_error=error,
                )
            taken += 1
    if taken:
        metrics.leases_expired.inc(taken)
        log.warning("eventbus_leases_expired", count=taken)
    return taken


def drain(*, timeout: float = 600.0, poll: float = 0.2) -> int:
    """Deliver until nothing due is pending or in flight anywhere (other workers included).

    deliver_until_empty() stops when *this* process can claim nothing; deliveries another
    process holds may still be running. Scripts that build on the effects (the demo seed)
    wait for those too. Retries waiting out their backoff, and paused subscribers' deliveries, do not count.
    """
    deadline = time.monotonic() + timeout
    total = 0
    while True:
        total += deliver_until_empty(max_seconds=max(0.0, deadline - time.monotonic()))
        busy = (
            Delivery.objects.filter(status=Delivery.Status.IN_FLIGHT).exists()
            or Delivery.objects.filter(status=Delivery.Status.PENDING, available_at__lte=timezone.now())
            .exclude(subscriber__in=PausedSubscriber.objects.values("subscriber"))
            .exists()
        )
        if not busy:
            return total
        if time.monotonic() >= deadline:
            raise TimeoutError("event deliveries still pending or in flight after the timeout")
        time.sleep(poll)
