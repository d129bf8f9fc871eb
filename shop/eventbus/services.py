"""Operator actions on the bus: replay dead letters, backfill a late subscriber, prune what is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from shop.events import UPCASTERS

from . import conf, registry
from .models import Delivery, Event, InboxEntry

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


def _nudge_after_commit() -> None:
    from django.db import connection

    from .publishing import nudge_on_commit

    nudge_on_commit(connection)


@transaction.atomic
def prune(*, older_than: timedelta) -> dict[str, int]:
    """Delete done deliveries older than `older_than`, and events past the retention
    that no delivery needs any more (with their inbox rows)."""
    now = timezone.now()
    done_deleted, _ = Delivery.objects.filter(status=Delivery.Status.DONE, completed_at__lt=now - older_than).delete()
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
    missing = events.exclude(heard).order_by("seq").values_list("seq", "key")
    now = timezone.now()
    queued = 0
    batch: list[Delivery] = []
    for seq, key in missing.iterator(chunk_size=BACKFILL_BATCH):
        batch.append(Delivery(event_id=seq, subscriber=subscriber, key=key, seq=seq, available_at=now))
        if len(batch) == BACKFILL_BATCH:
            queued += _queue(batch, dry_run=dry_run, on_batch=on_batch)
            batch = []
    if batch:
        queued += _queue(batch, dry_run=dry_run, on_batch=on_batch)
    if queued and not dry_run:
        _nudge_after_commit()
    return Backfill(subscriber=subscriber, event_names=names, queued=queued, skipped_keys=skipped_keys)


def _queue(batch: list[Delivery], *, dry_run: bool, on_batch: Callable[[int], None] | None) -> int:
    if not dry_run:
        Delivery.objects.bulk_create(batch, ignore_conflicts=True)
    if on_batch is not None:
        on_batch(len(batch))
    return len(batch)
