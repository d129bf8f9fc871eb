"""Reads of the bus's state for operators: backlog per subscriber, dead letters grouped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from .models import Delivery, PausedSubscriber


@dataclass(frozen=True)
class SubscriberBacklog:
    subscriber: str
    pending: int
    in_flight: int
    dead: int
    oldest_pending_age_seconds: float


def backlog() -> list[SubscriberBacklog]:
    """Per subscriber: pending, in flight, dead, and the age of the oldest undone event."""
    now = timezone.now()
    rows = (
        Delivery.objects.exclude(status__in=[Delivery.Status.DONE, Delivery.Status.DISCARDED])
        .values("subscriber")
        .annotate(
            pending=Count("id", filter=Q(status=Delivery.Status.PENDING)),
            in_flight=Count("id", filter=Q(status=Delivery.Status.IN_FLIGHT)),
            dead=Count("id", filter=Q(status=Delivery.Status.DEAD)),
            oldest=Min("event__occurred_at", filter=Q(status__in=[Delivery.Status.PENDING, Delivery.Status.IN_FLIGHT])),
        )
        .order_by("subscriber")
    )
    return [
        SubscriberBacklog(
            subscriber=row["subscriber"],
            pending=row["pending"],
            in_flight=row["in_flight"],
            dead=row["dead"],
            oldest_pending_age_seconds=(now - row["oldest"]).total_seconds() if row["oldest"] else 0.0,
        )
        for row in rows
    ]


def dead_letters() -> QuerySet[Delivery]:
    return Delivery.objects.filter(status=Delivery.Status.DEAD).select_related("event").order_by("-dead_at")


def dead_letter_groups() -> list[dict[str, Any]]:
    """Dead letters grouped by subscriber and error: what broke, how often, since when."""
    rows = (
        Delivery.objects.filter(status=Delivery.Status.DEAD)
        .values("subscriber", "error_kind", "error_type")
        .annotate(count=Count("id"), first=Min("dead_at"))
        .order_by("-count", "subscriber")
    )
    return [dict(row) for row in rows]


def paused_subscribers() -> list[PausedSubscriber]:
    return list(PausedSubscriber.objects.order_by("subscriber"))
