"""Periodic work of the delivery app."""

from __future__ import annotations

from celery import shared_task

from . import services

SLOT_DAYS_AHEAD = 7


@shared_task(name="delivery.generate_slots_task")
def generate_slots_task(days: int = SLOT_DAYS_AHEAD) -> int:
    """Keep a week of slots open ahead (idempotent: existing windows are kept)."""
    return services.generate_slots(days=days)
