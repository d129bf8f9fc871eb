"""The bus's tables: the event log (outbox), deliveries (one per subscriber), the inbox.

- Event: one row per published event, written in the publisher's transaction.
  `seq` is a database sequence: it orders events of one key (publishers of a key are
  serialised until commit), never used as a cursor, so a late commit is never skipped.
- Delivery: one row per (event, subscriber), written with the event. Workers claim
  pending ones with SELECT ... FOR UPDATE SKIP LOCKED and hold them under a lease.
  A dead delivery is a dead letter: it keeps the attempts, the error and traceback.
- InboxEntry: (subscriber, event id), written in the handler's own transaction, so
  a redelivered event is a no-op: at-least-once delivery, exactly-once effect.
- PausedSubscriber: a subscriber an operator paused (its deliveries wait, pending, in
  order); `manage.py eventbus pause/resume`.
"""

from __future__ import annotations

import uuid

from django.db import models


class Event(models.Model):
    seq = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150, db_index=True, help_text="e.g. orders.order_placed.v1")
    version = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=150, db_index=True, help_text="The aggregate id; orders the key's events")
    payload = models.JSONField()
    occurred_at = models.DateTimeField(db_index=True)
    correlation_id = models.CharField(max_length=64, db_index=True)
    causation_id = models.UUIDField(null=True, blank=True, help_text="The event whose handler published this one")
    request_id = models.CharField(max_length=128, blank=True, help_text="The request that started the chain")

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"{self.name} #{self.seq} key={self.key}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        IN_FLIGHT = "in_flight"
        DONE = "done"
        DEAD = "dead"
        DISCARDED = "discarded"  # a dead letter an operator decided not to deliver (see services.discard)

    class ErrorKind(models.TextChoices):
        EXCEPTION = "exception", "handler raised (retries exhausted)"
        PERMANENT = "permanent", "handler raised a permanent error"
        CONTRACT = "contract", "payload does not fit the contract"
        LOST = "lost", "worker lost (lease expired) too often"
        NO_SUBSCRIBER = "no_subscriber", "subscriber no longer exists"

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    subscriber = models.CharField(max_length=150)
    # Copies of the event's key and seq, so the claim query needs no join.
    key = models.CharField(max_length=150)
    seq = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(help_text="Not to be tried before (retry backoff)")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=16, choices=ErrorKind.choices, blank=True)
    error_type = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    last_traceback = models.TextField(blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["seq", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="eventbus_one_delivery_per_subscriber"),
        ]
        indexes = [
            # What the claim scans: pending work in publish order.
            models.Index(
                fields=["available_at", "seq"],
                name="eventbus_delivery_pending",
                condition=models.Q(status="pending"),
            ),
            # Per-(subscriber, key) order: is an earlier one still undone?
            models.Index(
                fields=["subscriber", "key", "seq"],
                name="eventbus_delivery_undone",
                condition=models.Q(status__in=["pending", "in_flight"]),
            ),
            models.Index(
                fields=["lease_expires_at"], name="eventbus_delivery_leased", condition=models.Q(status="in_flight")
            ),
            models.Index(
                fields=["subscriber", "dead_at"], name="eventbus_delivery_dead", condition=models.Q(status="dead")
            ),
            models.Index(fields=["completed_at"], name="eventbus_delivery_done", condition=models.Q(status="done")),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} <- {self.event_id} ({self.status})"


class DeadLetter(Delivery):
    """The dead deliveries, for their own admin screen."""

    class Meta:
        proxy = True
        verbose_name = "dead letter"


class InboxEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    subscriber = models.CharField(max_length=150)
    event_id = models.UUIDField()
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "inbox entries"
        constraints = [models.UniqueConstraint(fields=["subscriber", "event_id"], name="eventbus_inbox_once")]
        indexes = [models.Index(fields=["handled_at"], name="eventbus_inbox_handled")]

    def __str__(self) -> str:
        return f"{self.subscriber} handled {self.event_id}"


class PausedSubscriber(models.Model):
    """A subscriber whose deliveries are not claimed until it is resumed: they wait, pending and
    in publish order (a downstream being repaired, a projection being rebuilt)."""

    subscriber = models.CharField(max_length=150, primary_key=True)
    paused_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200, blank=True)
    paused_by = models.CharField(max_length=150, blank=True, help_text="Who paused it (a login, or the shell user)")

    class Meta:
        ordering = ["subscriber"]

    def __str__(self) -> str:
        return f"{self.subscriber} (paused)"
