"""Who sent a message again in the admin: the message's admin history says so, and whether the mail
server took it; a message that was not failed or pending is not touched and not recorded."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import CHANGE
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client, override_settings

from notifications.models import Notification
from shop.accounts.models import User
from tests.history import admin_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    """Staff who may see and operate messages, not a superuser."""
    staff = User.objects.create_user("support@example.in", "x-long-password-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_notification", "change_notification"]))
    client = Client()
    client.force_login(staff)
    return client


def _message(status: str, to: str = "asha@example.in") -> Notification:
    return Notification.objects.create(
        kind=Notification.Kind.ORDER_CONFIRMED,
        source_event_id=uuid.uuid4(),
        to=to,
        subject="Your order is confirmed",
        body="Thank you.",
        status=status,
        attempts=5 if status == "failed" else 1,
        last_error="ConnectionRefusedError: down" if status == "failed" else "",
    )


def test_sending_a_failed_message_again_records_who_sent_it(operator) -> None:
    failed, sent = _message("failed"), _message("sent", to="ravi@example.in")

    response = operator.post(
        "/admin/notifications/notification/",
        {"action": "send_again", "_selected_action": [str(failed.pk), str(sent.pk)]},
        follow=True,
    )

    assert "1 message(s) sent again." in response.content.decode()
    assert [message.to for message in mail.outbox] == [["asha@example.in"]]
    assert admin_history(failed) == [("support@example.in", CHANGE, "Sent the message again to asha@example.in")]
    assert admin_history(sent) == []  # already sent: not sent again, nothing recorded
    page = operator.get(f"/admin/notifications/notification/{failed.pk}/history/").content.decode()
    assert "Sent the message again to asha@example.in" in page


@override_settings(EMAIL_BACKEND="tests.notifications.test_notifications.BrokenMailServer")
def test_a_message_the_mail_server_refuses_again_is_recorded_as_tried_with_the_error(operator) -> None:
    failed = _message("failed")

    response = operator.post(
        "/admin/notifications/notification/",
        {"action": "send_again", "_selected_action": [str(failed.pk)]},
        follow=True,
    )

    assert "1 message(s) failed again" in response.content.decode()
    assert admin_history(failed) == [
        (
            "support@example.in",
            CHANGE,
            "Tried to send the message again to asha@example.in; it failed: "
            "ConnectionRefusedError: the mail server is down",
        )
    ]
