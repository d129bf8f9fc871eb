"""Celery tasks of the payments app: webhook processing and the reconciler."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="payments.process_webhooks_task", ignore_result=True, acks_late=False)
def process_webhooks_task() -> int:
    """Apply every stored webhook not yet applied (the view nudges; the reconciler retries failures)."""
    from django.core.cache import cache

    from .services.webhooks import NUDGE_WAITING_KEY

    cache.delete(NUDGE_WAITING_KEY)  # webhooks stored from now on nudge again
    return services.process_received_webhooks()


@shared_task(name="payments.process_webhook_task", acks_late=True)
def process_webhook_task(webhook_id: int) -> str:
    """Apply one stored webhook event. Kept for messages queued by an earlier release."""
    return str(services.process_webhook(webhook_id=webhook_id).status)


@shared_task(name="payments.reconcile_task")
def reconcile_task() -> dict[str, int]:
    """The periodic reconciler: stuck intents, late authorisations, unsent refunds."""
    return services.reconcile()
