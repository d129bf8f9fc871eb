"""Read queries of the payments app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from shop.db import one_or_none

from .models import PaymentIntent, Refund


def get_intent(*, intent_id: UUID) -> PaymentIntent | None:
    return one_or_none(PaymentIntent.objects.filter(id=intent_id))


def get_intent_for_order(*, order_id: UUID) -> PaymentIntent | None:
    return one_or_none(PaymentIntent.objects.filter(order_id=order_id).prefetch_related("refunds"))


def refund_with_key(*, idempotency_key: str) -> Refund | None:
    return one_or_none(Refund.objects.filter(idempotency_key=idempotency_key))


def list_refunds(*, order_id: UUID) -> QuerySet[Refund]:
    return Refund.objects.filter(intent__order_id=order_id).order_by("created_at")
