"""Payment intents (one per order), their history, refunds and the webhook inbox."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from shop.money import format_inr

from .states import Status


class PaymentIntent(models.Model):
    """How one order is paid: a Razorpay order (prepaid) or cash on delivery."""

    class Method(models.TextChoices):
        RAZORPAY = "razorpay", "Razorpay"
        COD = "cod", "Cash on delivery"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    customer_id = models.UUIDField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.RAZORPAY)
    status = models.CharField(max_length=12, choices=[(s.value, s.value) for s in Status], default=Status.PENDING)
    amount_paise = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    #: Ours, stored before Razorpay is called: after a timeout the order is found by it.
    receipt = models.CharField(max_length=40, unique=True)
    razorpay_order_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    razorpay_payment_id = models.CharField(max_length=40, blank=True, db_index=True)
    captured_paise = models.PositiveBigIntegerField(default=0)
    #: Committed to refunds that have not failed (requested, pending or processed).
    refunded_paise = models.PositiveBigIntegerField(default=0)
    customer_name = models.CharField(max_length=120, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    customer_contact = models.CharField(max_length=20, blank=True)
    client_verified_at = models.DateTimeField(null=True, blank=True)
    #: Set when the order stops being payable: money that arrives later is refunded.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_description = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(captured_paise__lte=models.F("amount_paise")), name="pay_captured_lte_amount"
            ),
            models.CheckConstraint(
                condition=Q(refunded_paise__lte=models.F("captured_paise")), name="pay_refunded_lte_captured"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.status} {format_inr(self.amount_paise)} for order {str(self.order_id)[:8]}"


class PaymentTransition(models.Model):
    """One step of an intent's history: what changed, why, and who said so."""

    intent = models.ForeignKey(PaymentIntent, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    source = models.CharField(max_length=20)  # service, callback, webhook, reconciler, admin
    note = models.CharField(max_length=300, blank=True)
    razorpay_payment_id = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status} ({self.source})"


class Refund(models.Model):
    """Money going back for an intent; the idempotency key makes a retry the same refund."""

    class Status(models.TextChoices):
        REQUESTED = "requested"  # stored; Razorpay's answer not received yet
        PENDING = "pending"  # Razorpay accepted it
        PROCESSED = "processed"
        FAILED = "failed"

    class Channel(models.TextChoices):
        """How the money went back: through Razorpay, or paid by the store (cash on delivery)."""

        RAZORPAY = "razorpay", "Razorpay"
        CASH = "cash", "Cash"
        UPI = "upi", "UPI"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="refunds")
    #: Razorpay's refunds are asked of Razorpay; the others the store paid and staff recorded.
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.RAZORPAY)
    idempotency_key = models.CharField(max_length=64, unique=True)
    amount_paise = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=200)
    speed = models.CharField(max_length=10, default="normal")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    razorpay_refund_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    #: Set for a refund of another payment than the intent's: a second one Razorpay took for
    #: an order already paid (a failed attempt captured late), given back whole, apart from
    #: the intent's own money.
    extra_payment_id = models.CharField(max_length=40, blank=True)
    #: ARN / RRN / UTR: what the customer quotes to their bank (a UPI or bank transfer's, as staff typed it).
    bank_reference = models.CharField(max_length=60, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_paise__gte=100), name="pay_refund_min_100")]

    def __str__(self) -> str:
        return f"refund {format_inr(self.amount_paise)} {self.status}"

    @property
    def receipt(self) -> str:
        """What Razorpay echoes back, so a refund answered too late is still found."""
        return self.id.hex


class WebhookEvent(models.Model):
    """The webhook inbox: each Razorpay event id stored once, processed asynchronously."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        IGNORED = "ignored"
        FAILED = "failed"

    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    note = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
