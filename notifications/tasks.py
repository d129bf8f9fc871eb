"""Sending: a task per message after its commit, and beat's sweep for what was left pending."""

from __future__ import annotations

from uuid import UUID

from celery import shared_task

from . import services


@shared_task(name=services.SEND_TASK, ignore_result=True)
def send_task(notification_id: str) -> str:
    return str(services.send(notification_id=UUID(notification_id)).status)


@shared_task(name="notifications.send_pending_task", ignore_result=True)
def send_pending_task() -> int:
    return services.send_pending()
