"""Operator actions on the bus: replay dead letters, prune what is done."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from . import conf
from .models import Delivery, Event, InboxEntry


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
        from django.db import connection

        from .publishing import nudge_on_commit

        nudge_on_commit(connection)
    return len(ids)


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
