"""Mailing a password reset link, after the request's commit."""

from __future__ import annotations

import smtplib
from uuid import UUID

from celery import shared_task

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
