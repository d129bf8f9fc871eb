"""The bus's Celery tasks: the nudge sent on commit, and beat's sweep."""

from __future__ import annotations

from celery import shared_task

from . import delivery


@shared_task(name="eventbus.deliver", ignore_result=True, acks_late=False)
def deliver_task() -> int:
    """Deliver until nothing is claimable (bounded by EVENTBUS_RUN_SECONDS)."""
    from django.core.cache import cache

    from .publishing import NUDGE_WAITING_KEY

    cache.delete(NUDGE_WAITING_KEY)  # commits from now on may nudge again
    return delivery.deliver_until_empty()


@shared_task(name="eventbus.sweep", ignore_result=True, acks_late=False)
def sweep_task() -> int:
    """Take back expired leases, then deliver what a lost nudge left waiting."""
    delivery.reap_expired_leases()
    return delivery.deliver_until_empty()
