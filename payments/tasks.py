"""Celery tasks of the payments app: webhook processing and the reconciler."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="payments.process_webhook_task", acks_late=True)
def process_webhook_task(webhook_id: int) -> str:
    """Apply one stored webhook event (idempotent; the reconciler retries failures)."""
    return str(services.process_webhook(webhook_id=webhook_id).status)


@shared_task(name="payments.reconcile_task")
def reconcile_task() -> dict[str, int]:
    """The periodic reconciler: stuck intents, late authorisations, unsent refunds."""
    return services.reconcile()
