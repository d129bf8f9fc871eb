"""Reads of orders for the customer's pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db.models import CharField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from .models import Order, OrderLine, OrderRefund, OrderTransition, Store


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


# --- Stores, as inventory announced them (names for the staff screens) ---------------------


def _store_label() -> Concat:
    # "CODE · Title", the same text as Store.__str__, computed in the database.
    return Concat("code", Value(" · "), "title", output_field=CharField())


def store_label_of_order() -> Subquery:
    """The label of an order's store as an annotation (NULL while orders does not know it)."""
    return Subquery(Store.objects.filter(store_id=OuterRef("store_id")).values(label=_store_label())[:1])


def get_store_labels(*, store_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The labels of the given stores that orders knows, by id (one query)."""
    return dict(Store.objects.filter(store_id__in=list(store_ids)).values_list("store_id", _store_label()))


def find_store_ids(*, code_prefix: str) -> QuerySet[Store, Any]:
    """The ids of the stores whose code starts with the prefix (any case), as a subquery."""
    return Store.objects.filter(code__istartswith=code_prefix).values("store_id")
