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
        retried = 0
        for notification in queryset.filter(status__in=[Notification.Status.FAILED, Notification.Status.PENDING]):
            Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.PENDING, attempts=0)
            services.send(notification_id=notification.pk)
            retried += 1
        self.message_user(request, f"{retried} message(s) sent again.", messages.SUCCESS)
