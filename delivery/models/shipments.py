"""Riders of a store, and shipments (a confirmed order's pick list on its way to the door)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from .slots import Slot
from .zones import Zone


class Rider(models.Model):
    """A delivery rider of one store; `user_id` is the accounts.User they log in as."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.UUIDField(unique=True)
    store_id = models.UUIDField(db_index=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=16, blank=True)
    is_active = models.BooleanField(default=True, help_text="Employed; inactive riders never get shipments")
    is_available = models.BooleanField(default=True, help_text="On shift now")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be picked"
    PICKED = "picked", "Picked"
    PACKED = "packed", "Packed"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Delivery failed"
    RETURNED = "returned", "Returned to store"
    CANCELLED = "cancelled", "Cancelled"


#: Where each state may go next; anything else is refused with a reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    ShipmentStatus.PENDING: frozenset({ShipmentStatus.PICKED, ShipmentStatus.CANCELLED}),
    ShipmentStatus.PICKED: frozenset({ShipmentStatus.PACKED, ShipmentStatus.CANCELLED}),
    ShipmentStatus.PACKED: frozenset({ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.CANCELLED}),
    ShipmentStatus.OUT_FOR_DELIVERY: frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.FAILED}),
    ShipmentStatus.FAILED: frozenset({ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.RETURNED}),
    ShipmentStatus.DELIVERED: frozenset(),
    ShipmentStatus.RETURNED: frozenset(),
    ShipmentStatus.CANCELLED: frozenset(),
}
#: States in which a shipment keeps its rider busy (the load of least-loaded assignment).
ACTIVE_STATES = (
    ShipmentStatus.PENDING,
    ShipmentStatus.PICKED,
    ShipmentStatus.PACKED,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.FAILED,
)


class PaymentMethod(models.TextChoices):
    PREPAID = "prepaid", "Prepaid"
    COD = "cod", "Cash on delivery"


class Shipment(models.Model):
    """A confirmed order at its store: pick list, rider, tracking state."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    customer_id = models.UUIDField(db_index=True)
    store_id = models.UUIDField(db_index=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments")
    tracking_code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    cod_amount_paise = models.PositiveIntegerField(default=0, help_text="Cash to collect at the door (COD only)")
    cash_collected_paise = models.PositiveIntegerField(default=0)
    cash_total_pending = models.BooleanField(
        default=False,
        help_text="Cash on delivery, items short at picking: the order's new total has not arrived yet, "
        "so the rider cannot leave (what to collect is not known)",
    )
    order_cancelled = models.BooleanField(
        default=False,
        help_text="The order was cancelled while this shipment was on the road: it is not handed over "
        "or sent out again, only brought back (a failed attempt, then the return)",
    )
    recipient_name = models.CharField(max_length=200)
    recipient_phone = models.CharField(max_length=16, blank=True)
    address = models.TextField()
    pincode = models.CharField(max_length=6)
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, null=True, blank=True, related_name="shipments")
    attempts = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    picked_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store_id", "status"]), models.Index(fields=["rider", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_method="cod") | Q(cod_amount_paise=0, cash_collected_paise=0),
                name="delivery_shipment_cash_only_for_cod",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class PickOutcome(models.TextChoices):
    PENDING = "pending", "Not picked yet"
    FOUND = "found", "Found"
    SHORT = "short", "Short"
    WEIGHED = "weighed", "Weighed"
    REPLACED = "replaced", "Replaced"


class ShipmentLine(models.Model):
    """One line of the pick list, in the SKU's base unit, what may replace it if short, and what
    picking found."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.UUIDField()
    title = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(help_text="Ordered, in base units (pieces, grams, millilitres)")
    sold_by_weight = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=PickOutcome.choices, default=PickOutcome.PENDING)
    quantity_picked = models.PositiveIntegerField(null=True, blank=True, help_text="Of the line's own SKU")
    # The order's offer for a short line (none: the shortfall is refunded), and how much of it
    # went in the line's place (outcome "replaced"), in the same sold-by unit as the line.
    replacement_sku_id = models.UUIDField(null=True, blank=True, help_text="What may go in the line's place if short")
    replacement_title = models.CharField(max_length=200, blank=True)
    quantity_replaced = models.PositiveIntegerField(
        null=True, blank=True, help_text="Of the replacement: packs, or grams for a line sold by weight"
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sku_id"], name="delivery_line_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_line_positive_quantity"),
            # A replaced line has some of its offer in the bag; no other line has any. (NULL > 0 is
            # unknown, which a CHECK lets through: hence the explicit not-null.)
            models.CheckConstraint(
                condition=Q(
                    outcome="replaced",
                    replacement_sku_id__isnull=False,
                    quantity_replaced__isnull=False,
                    quantity_replaced__gt=0,
                )
                | (~Q(outcome="replaced") & Q(quantity_replaced__isnull=True)),
                name="delivery_line_replaced_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} x {self.quantity}"
