"""Mailing a password reset link, after the request's commit; clearing expired sessions."""

from __future__ import annotations

import smtplib
from importlib import import_module
from uuid import UUID

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    name=services.RESET_EMAIL_TASK,
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),  # the mail server's hiccup
    retry_backoff=5,
    max_retries=4,
)
def send_password_reset_email_task(user_id: str) -> bool:
    return services.send_password_reset_email(user_id=UUID(user_id))


@shared_task(name="accounts.clear_expired_sessions_task", ignore_result=True)
def clear_expired_sessions_task() -> None:
    """Delete expired sessions, as Django's `clearsessions` does (daily): the table would only grow."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
