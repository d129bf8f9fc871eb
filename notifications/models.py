"""What the notifications app keeps: who an order's messages go to, and every message sent."""

from __future__ import annotations

import uuid

from django.db import models


class Recipient(models.Model):
    """Projection of orders' events: the customer an order's messages are for."""

    order_id = models.UUIDField(primary_key=True)
    customer_id = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return f"{self.order_id} -> {self.customer_id}"


class Notification(models.Model):
    """One message, written with the event that caused it and sent after commit."""

    class Kind(models.TextChoices):
        ORDER_CONFIRMED = "order_confirmed", "Order confirmed"
        ORDER_CANCELLED = "order_cancelled", "Order cancelled"
        ORDER_ADJUSTED = "order_adjusted", "Order changed at picking"
        ORDER_PACKED = "order_packed", "Order packed"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        ORDER_DELIVERED = "order_delivered", "Order delivered"
        REFUND_INITIATED = "refund_initiated", "Refund initiated"
        REFUND_PROCESSED = "refund_processed", "Refund processed"
        STAFF_STOCK_LOW = "staff_stock_low", "Staff: stock low"
        STAFF_REFUND_FAILED = "staff_refund_failed", "Staff: refund failed"
        STAFF_DEAD_LETTER = "staff_dead_letter", "Staff: event delivery dead-lettered"
        STAFF_WEBHOOK_ABANDONED = "staff_webhook_abandoned", "Staff: Razorpay webhook not applied"
        STAFF_SHIPMENT_RETURNED = "staff_shipment_returned", "Staff: shipment back at the store"
        STAFF_CANCELLED_AFTER_PICKING = "staff_cancelled_picked", "Staff: order cancelled after picking"
        STAFF_NEAR_EXPIRY = "staff_near_expiry", "Staff: batches near expiry"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retries exhausted)"
        SKIPPED = "skipped", "Skipped (no address)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    #: The event that caused it: one message per (event, kind), however often it is delivered.
    source_event_id = models.UUIDField()
    order_id = models.UUIDField(null=True, blank=True, db_index=True)
    customer_id = models.UUIDField(null=True, blank=True, db_index=True)
    channel = models.CharField(max_length=10, default="email")
    to = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source_event_id", "kind"], name="notifications_one_per_event_kind"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notifications_pending")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to or '-'} ({self.status})"
