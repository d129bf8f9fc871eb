"""Slot templates per zone, the slots generated from them, and bookings of slots by orders."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .zones import Zone


class SlotMode(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPRESS = "express", "Express"


class SlotTemplate(models.Model):
    """A recurring window of a zone (local time), from which daily slots are generated."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="templates")
    mode = models.CharField(max_length=10, choices=SlotMode.choices, default=SlotMode.STANDARD)
    start_time = models.TimeField()
    end_time = models.TimeField()
    capacity = models.PositiveIntegerField()
    cutoff_minutes = models.PositiveIntegerField(default=60, help_text="Bookings close this long before the start")
    # ISO weekdays the window runs on: "1234567" is every day, "67" weekends.
    weekdays = models.CharField(max_length=7, default="1234567")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["zone", "mode", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "mode", "start_time"], name="delivery_template_unique_window"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="delivery_template_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone_id} {self.mode} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Slot(models.Model):
    """One delivery window of a zone on one day, with a capacity and a booking cut-off."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="slots")
    store_id = models.UUIDField(db_index=True)
    mode = models.CharField(max_length=10, choices=SlotMode.choices, default=SlotMode.STANDARD)
    date = models.DateField(help_text="Local (Asia/Kolkata) date of the window")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "mode"]
        indexes = [models.Index(fields=["zone", "mode", "date"])]
        constraints = [
            models.UniqueConstraint(fields=["zone", "mode", "starts_at"], name="delivery_slot_unique_window"),
            # The backstop: whatever the code does, a slot is never overbooked.
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="delivery_slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="delivery_slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        # Local time (TIME_ZONE, Asia/Kolkata): the stored datetimes are UTC, and formatting
        # them as they are showed a 07:00 slot as 01:30 in the admin.
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.zone_id} {self.mode} {starts:%Y-%m-%d %H:%M}-{ends:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


class SlotBooking(models.Model):
    """An order's hold on a slot; one per order, released at most once."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        RELEASED = "released", "Released"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_id = models.UUIDField(unique=True)
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    pincode = models.CharField(max_length=6)
    booked_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-booked_at"]

    def __str__(self) -> str:
        return f"{self.order_id} -> {self.slot_id} ({self.status})"
