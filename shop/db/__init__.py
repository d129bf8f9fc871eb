"""Database helpers shared by the apps (the kernel's; apps may import them)."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row a lookup by a unique key finds, or None.

    `.first()` orders the query (by the model's Meta.ordering, else the primary key), and
    Django compiles that ORDER BY on every call: a third of the Python time of such a
    query, measured on the saga's hot paths (bench/checkout.py). A unique lookup has at
    most one row, so nothing to order: use this there, and `.first()` where order matters.
    """
    for row in queryset.order_by()[:1]:
        return row
    return None
