"""Operator actions on the bus: replay dead letters, backfill a late subscriber, pause and
resume a subscriber, deliver a paused subscriber's history again, prune what is done."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shop.events import UPCASTERS

from . import conf, registry
from .models import Delivery, Event, InboxEntry, PausedSubscriber

BACKFILL_BATCH = 1000


@transaction.atomic
def replay_dead_letters(deliveries: QuerySet[Delivery]) -> int:
    """Send dead deliveries back to their subscriber, with a fresh set of attempts.

    The inbox still guards the effect: a dead letter whose handler did commit
    (it cannot, but a replay of a done delivery could) stays a no-op.
    """
    ids = list(deliveries.filter(status=Delivery.Status.DEAD).select_for_update().values_list("id", flat=True))
    now = timezone.now()
    for delivery in Delivery.objects.filter(id__in=ids):
        delivery.status = Delivery.Status.PENDING
        delivery.attempts = 0
        delivery.available_at = now
        delivery.dead_at = None
        delivery.replays += 1
        delivery.save(update_fields=["status", "attempts", "available_at", "dead_at", "replays"])
    if ids:
        _nudge_after_commit()
    return len(ids)


@transaction.atomic
def discard_dead_letters(deliveries: QuerySet[Delivery], *, reason: str, by: str = "") -> int:
    """Give up on dead letters for good (a poison event, an effect done by hand): they leave
    the dead-letter list and its alert, keep their error for the record, and are never
    delivered. What the subscriber would have done does not happen: say why in `reason`."""
    if not reason.strip():
        raise ValueError("say why these events will never be delivered")
    ids = list(deliveries.filter(status=Delivery.Status.DEAD).select_for_update().values_list("id", flat=True))
    who = f" by {by}" if by else ""
    for delivery in Delivery.objects.filter(id__in=ids):
        delivery.status = Delivery.Status.DISCARDED
        delivery.last_error = (
            f"Discarded{who} at {timezone.now():%Y-%m-%d %H:%M} UTC: {reason.strip()}\n\n{delivery.last_error}"
        )
        delivery.save(update_fields=["status", "last_error"])
    return len(ids)


def _nudge_after_commit() -> None:
    from django.db import connection

    from .publishing import nudge_on_commit

    nudge_on_commit(connection)


@transaction.atomic
def prune(*, older_than: timedelta) -> dict[str, int]:
    """Delete done deliveries older than `older_than`, and events past the retention
    that no delivery needs any more (with their inbox rows)."""
    now = timezone.now()
    finished = Q(status=Delivery.Status.DONE, completed_at__lt=now - older_than) | Q(
        status=Delivery.Status.DISCARDED, dead_at__lt=now - older_than
    )
    done_deleted, _ = Delivery.objects.filter(finished).delete()
    retention = timedelta(days=conf.get("EVENTBUS_EVENT_RETENTION_DAYS"))
    old_events = Event.objects.filter(occurred_at__lt=now - max(retention, older_than)).filter(
        ~Exists(Delivery.objects.filter(event=OuterRef("pk")))
    )
    event_ids = list(old_events.values_list("event_id", flat=True))
    inbox_deleted, _ = InboxEntry.objects.filter(event_id__in=event_ids).delete()
    events_deleted, _ = Event.objects.filter(event_id__in=event_ids).delete()
    return {"deliveries": done_deleted, "events": events_deleted, "inbox": inbox_deleted}


class UnknownSubscriber(LookupError):
    pass


@dataclass(frozen=True)
class Backfill:
    subscriber: str
    event_names: tuple[str, ...]
    queued: int
    skipped_keys: int


def event_names_reaching(subscriber: str) -> tuple[str, ...]:
    """The stored event names a subscriber receives: its event's, and older versions upcast to it."""
    subscription = registry.get_subscription(subscriber)
    if subscription is None:
        known = ", ".join(sorted(sub.name for sub in registry.subscriptions()))
        raise UnknownSubscriber(f"no subscriber is named {subscriber!r}; the subscribers are: {known}")
    if subscription.takes_envelopes:  # the relay: the stored names it takes
        stored = Event.objects.order_by("name").values_list("name", flat=True).distinct()
        return tuple(name for name in stored if registry.takes(subscription, name))
    target = subscription.event_type.name
    older = sorted(name for name in UPCASTERS if name != target and registry.upcast_path(name, target) is not None)
    return (target, *older)


@transaction.atomic
def backfill(
    *,
    subscriber: str,
    since: datetime | None = None,
    dry_run: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> Backfill:
    """Queue the stored events a subscriber never had: for one that joined after they were
    published (a new projection, an app lifted into a service), within the event log's retention.

    Keys the subscriber has already heard of (a delivery, or an inbox entry) are skipped
    whole: it holds a newer state of them, and their older history delivered now would
    arrive after it. The other keys get their events in publish order (the claim keeps
    a key's order per subscriber), each a normal pending delivery, so the inbox still
    makes a repeated backfill a no-op.
    """
    names = event_names_reaching(subscriber)
    events = Event.objects.filter(name__in=names)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    heard_by_delivery = Delivery.objects.filter(subscriber=subscriber, key=OuterRef("key"))
    heard_by_inbox = Event.objects.filter(
        key=OuterRef("key"),
        event_id__in=InboxEntry.objects.filter(subscriber=subscriber).values("event_id"),
    )
    heard = Exists(heard_by_delivery) | Exists(heard_by_inbox)
    skipped_keys = events.filter(heard).values("key").distinct().count()
    queued = _queue(subscriber, events.exclude(heard), dry_run=dry_run, on_batch=on_batch)
    if queued and not dry_run:
        _nudge_after_commit()
    return Backfill(subscriber=subscriber, event_names=names, queued=queued, skipped_keys=skipped_keys)


def _queue(
    subscriber: str, events: QuerySet[Event], *, dry_run: bool, on_batch: Callable[[int], None] | None = None
) -> int:
    """A pending delivery of each of `events` to `subscriber`, in publish order, written in
    batches (counted only, with `dry_run`); returns how many."""
    now = timezone.now()
    queued = 0
    batch: list[Delivery] = []

    def flush() -> None:
        nonlocal queued, batch
        if not dry_run:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
        if on_batch is not None:
            on_batch(len(batch))
        queued, batch = queued + len(batch), []

    for seq, key in events.order_by("seq").values_list("seq", "key").iterator(chunk_size=BACKFILL_BATCH):
        batch.append(Delivery(event_id=seq, subscriber=subscriber, key=key, seq=seq, available_at=now))
        if len(batch) == BACKFILL_BATCH:
            flush()
    if batch:
        flush()
    return queued


def match_subscribers(patterns: Iterable[str]) -> list[str]:
    """The registered subscribers named by `patterns`: exact names or shell-style globs
    ("cart.*"). A pattern that names none is an error, with the names there are."""
    known = sorted(sub.name for sub in registry.subscriptions())
    chosen: list[str] = []
    for pattern in patterns:
        matched = fnmatch.filter(known, pattern)
        if not matched:
            raise UnknownSubscriber(f"no subscriber matches {pattern!r}; the subscribers are: {', '.join(known)}")
        chosen += [name for name in matched if name not in chosen]
    return chosen


@transaction.atomic
def pause(subscribers: Iterable[str], *, reason: str = "", by: str = "") -> list[str]:
    """Stop claiming the subscribers' deliveries (those in flight finish); returns the ones newly
    paused. Their events keep arriving as pending deliveries and wait, in order, for resume()."""
    newly = []
    for name in subscribers:
        _, created = PausedSubscriber.objects.get_or_create(
            subscriber=name, defaults={"reason": reason[:200], "paused_by": by[:150]}
        )
        if created:
            newly.append(name)
    return newly


@transaction.atomic
def resume(subscribers: Iterable[str]) -> list[str]:
    """Claim the subscribers' deliveries again, from where they waited; returns the ones resumed."""
    names = list(subscribers)
    resumed = list(PausedSubscriber.objects.filter(subscriber__in=names).values_list("subscriber", flat=True))
    PausedSubscriber.objects.filter(subscriber__in=resumed).delete()
    if resumed:
        _nudge_after_commit()
    return sorted(resumed)


class NotPaused(Exception):
    pass


@dataclass(frozen=True)
class Redelivery:
    subscriber: str
    reset: int  # deliveries it had (done, dead or waiting) set pending from the first attempt
    queued: int  # stored events it had no delivery for (those pruned after they were done)


@transaction.atomic
def redeliver_history(*, subscriber: str, since: datetime | None = None, dry_run: bool = False) -> Redelivery:
    """Deliver a paused subscriber every stored event it takes again, in publish order: what
    rebuilding its projection needs (handlers that upsert state converge on replay; to start
    from empty, delete the projection's rows while it is paused). Its inbox entries for those
    events go, so they are not skipped as repeats. Within the event log's retention.

    Paused first, so no new event is handled between the reset and the replay of older ones;
    refused while one of its deliveries is still in flight. Resume it to start the replay.
    """
    if not PausedSubscriber.objects.filter(subscriber=subscriber).exists():
        raise NotPaused(f"pause {subscriber} first (manage.py eventbus pause {subscriber}), then resume it after")
    names = event_names_reaching(subscriber)
    events = Event.objects.filter(name__in=names)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    mine = Delivery.objects.filter(subscriber=subscriber, event__in=events)
    if mine.filter(status=Delivery.Status.IN_FLIGHT).exists():
        raise NotPaused(f"{subscriber} still has deliveries in flight; try again when they are done")
    missing = events.exclude(Exists(Delivery.objects.filter(subscriber=subscriber, event=OuterRef("pk"))))
    if dry_run:
        return Redelivery(subscriber=subscriber, reset=mine.count(), queued=missing.count())
    now = timezone.now()
    InboxEntry.objects.filter(subscriber=subscriber, event_id__in=events.values("event_id")).delete()
    reset = mine.update(
        status=Delivery.Status.PENDING,
        attempts=0,
        available_at=now,
        completed_at=None,
        dead_at=None,
        lease_expires_at=None,
        claimed_by="",
        error_kind="",
    )
    return Redelivery(subscriber=subscriber, reset=reset, queued=_queue(subscriber, missing, dry_run=False))
