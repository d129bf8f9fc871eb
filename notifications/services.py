"""The notifications app's use cases: remember an order's customer, write a message, send it.

A message is written in the transaction of the event's handler (so exactly once per
event and kind) and sent after commit by a Celery task; beat's sweep sends what a lost
task left pending. Sending is at least once: a worker dying between the mail server's
answer and the row's update sends that message again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from shop.accounts.selectors import get_contact
from shop.db import create_or_get, one_or_none

from . import messages
from .models import Notification, Recipient

log = structlog.get_logger("notifications")

SEND_TASK = "notifications.send_task"
MAX_ATTEMPTS = 5


def record_recipient(*, order_id: UUID, customer_id: UUID) -> None:
    # One INSERT ... ON CONFLICT DO UPDATE (update_or_create would take a savepoint and a lock first).
    Recipient.objects.bulk_create(
        [Recipient(order_id=order_id, customer_id=customer_id)],
        update_conflicts=True,
        unique_fields=["order_id"],
        update_fields=["customer_id"],
    )


def public_url(path: str) -> str:
    return f"{settings.SHOP_PUBLIC_URL.rstrip('/')}{path}"


def order_page_url(order_id: UUID) -> str:
    """The web shop's page of the order (the storefront at / routes by the URL's fragment):
    it asks a signed-out customer to log in first, follows the order live and links its GST
    invoice once delivered. Not the JSON API (/api/v1/orders/<id>/), which a mail reader
    cannot use."""
    return public_url(f"/#/orders/{order_id}")


@transaction.atomic(savepoint=False)  # joins the handler's transaction
def notify_customer(
    *, kind: str, source_event_id: UUID, order_id: UUID, customer_id: UUID | None = None, **context: Any
) -> Notification | None:
    """Write the customer's message about their order; None when the order's customer is unknown."""
    if customer_id is None:
        recipient = one_or_none(Recipient.objects.filter(order_id=order_id))
        if recipient is None:
            log.warning("notifications.no_recipient", order_id=str(order_id), kind=kind)
            return None
        customer_id = recipient.customer_id
    contact = get_contact(user_id=customer_id)
    subject, body = messages.render(
        kind,
        order_id=order_id,
        name=(contact.full_name if contact and contact.full_name else "there"),
        order_url=order_page_url(order_id),
        **context,
    )
    return _write(
        kind=kind,
        source_event_id=source_event_id,
        order_id=order_id,
        customer_id=customer_id,
        to=contact.email if contact else "",
        subject=subject,
        body=body,
    )


@transaction.atomic(savepoint=False)  # joins the handler's transaction
def alert_staff(*, kind: str, source_event_id: UUID, order_id: UUID | None = None, **context: Any) -> Notification:
    """Write a message to the staff's address list (SHOP_STAFF_EMAILS)."""
    subject, body = messages.render(kind, **({"order_id": order_id} if order_id else {}), **context)
    return _write(
        kind=kind,
        source_event_id=source_event_id,
        order_id=order_id,
        customer_id=None,
        to=",".join(settings.SHOP_STAFF_EMAILS),
        subject=subject,
        body=body,
    )


def _write(*, source_event_id: UUID, kind: str, **fields: Any) -> Notification:
    status = Notification.Status.PENDING if fields["to"] else Notification.Status.SKIPPED
    # Once per event and kind: a redelivered event (or a concurrent delivery) gets the message already written.
    notification, created = create_or_get(
        Notification, {"source_event_id": source_event_id, "kind": kind}, status=status, **fields
    )
    if created and status == Notification.Status.PENDING:
        transaction.on_commit(lambda: _enqueue(notification.id), robust=True)
    return notification


def _enqueue(notification_id: UUID) -> None:
    from shop.celery import app

    try:
        # The registered task by name (entry points import services, not the other way);
        # unlike send_task, it honours eager mode (the embedded default, the tests).
        app.tasks[SEND_TASK].delay(str(notification_id))
    except Exception as exc:  # beat's sweep sends it
        log.warning("notifications.enqueue_failed", notification_id=str(notification_id), error=repr(exc))


def send(*, notification_id: UUID) -> Notification:
    """Send one pending message; a failure is recorded and left for the sweep (up to MAX_ATTEMPTS)."""
    with transaction.atomic():
        notification = one_or_none(Notification.objects.select_for_update(skip_locked=True).filter(id=notification_id))
        if notification is None or notification.status != Notification.Status.PENDING:
            return notification or Notification.objects.get(id=notification_id)
        notification.attempts += 1
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [address for address in notification.to.split(",") if address],
            )
        except Exception as exc:  # the mail server's problem: try again later
            notification.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            log.warning("notifications.send_failed", notification_id=str(notification_id), error=repr(exc))
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return notification


def send_pending(*, older_than_seconds: float = 30, limit: int = 200) -> int:
    """Beat's sweep: send what a lost task (or a mail server's hiccup) left pending."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    for notification_id in ids:
        send(notification_id=notification_id)
    return len(ids)
