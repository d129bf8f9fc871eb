"""Reads of orders for the customer's pages and the API."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Prefetch, QuerySet

from .models import Order, OrderLine, OrderRefund, OrderTransition


def list_orders(*, customer_id: UUID) -> QuerySet[Order]:
    """The customer's own orders, newest first."""
    return Order.objects.filter(customer_id=customer_id).order_by("-placed_at")


def get_order_row(*, order_id: UUID, customer_id: UUID | None) -> Order:
    """The order row alone (no lines or timeline); None as customer means staff."""
    orders = Order.objects.all() if customer_id is None else Order.objects.filter(customer_id=customer_id)
    return orders.get(pk=order_id)


def get_order(*, order_id: UUID, customer_id: UUID | None) -> Order:
    """One order with its lines, timeline and refunds; None as customer means staff (any order)."""
    orders = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("name", "id")),
        Prefetch("transitions", queryset=OrderTransition.objects.order_by("at", "id")),
        Prefetch("refunds", queryset=OrderRefund.objects.order_by("at")),
    )
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return orders.get(pk=order_id)
