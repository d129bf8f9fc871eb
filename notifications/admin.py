"""Staff see every message sent, and may send a failed one again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.adminkit import ReadOnlyAdmin

from . import services
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "to", "status", "attempts", "order_id")
    list_filter = ("status", "kind", "channel")
    search_fields = ("=order_id", "=customer_id", "to", "subject")
    readonly_fields = (
        "id", "kind", "channel", "to", "subject", "body", "status", "attempts", "last_error",
        "order_id", "customer_id", "source_event_id", "created_at", "sent_at",
    )  # fmt: skip
    actions = ("send_again",)

    @admin.action(description="Send again (failed or pending)", permissions=["operate"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        sent, failing = 0, 0
        chosen = list(queryset.filter(status__in=[Notification.Status.FAILED, Notification.Status.PENDING]))
        for notification in chosen:
            Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.PENDING, attempts=0)
            after = services.send(notification_id=notification.pk)
            if after.status == Notification.Status.SENT:
                sent += 1
                what = f"Sent the message again to {after.to}"
            elif after.attempts:
                failing += 1  # the mail server refused again: the sweep keeps trying (while attempts are left)
                what = f"Tried to send the message again to {after.to}; it failed: {after.last_error}"
            else:
                continue  # another worker held it at that moment: it sends it
            # Who sent it again: the message's History page and the admin's "Recent actions".
            self.log_change(request, after, what)
        if sent:
            self.message_user(request, f"{sent} message(s) sent again.", messages.SUCCESS)
        if failing:
            self.message_user(
                request, f"{failing} message(s) failed again (see each one's last error).", messages.WARNING
            )
        if not chosen:
            self.message_user(request, "No failed or pending message selected: nothing sent.", messages.WARNING)
