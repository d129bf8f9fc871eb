"""Database helpers shared by the apps (the kernel's; apps may import them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict

M = TypeVar("M", bound=Model)


def in_transaction(using: str | None = None) -> bool:
    """Whether the caller runs inside a transaction that has yet to commit.

    A call to the outside world (Razorpay) made there cannot be taken back if that
    transaction rolls back, and what it starts may call us back before the commit. The
    test suite's own per-test atomic blocks are not counted, as Django's `durable=True`
    does not count them: code under test behaves as it does in production.
    """
    blocks = transaction.get_connection(using).atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


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


def create_or_get(model: type[M], lookup: Mapping[str, Any], **values: Any) -> tuple[M, bool]:
    """`get_or_create` for a row that is nearly always new: one statement instead of four.

    `get_or_create` SELECTs first, then INSERTs under a savepoint so that a concurrent
    insert's IntegrityError can be caught (SELECT, SAVEPOINT, INSERT, RELEASE). This
    INSERTs at once with ON CONFLICT DO NOTHING RETURNING the primary key, and SELECTs
    only when nothing went in: the row was there already, or a concurrent transaction
    inserted it (PostgreSQL waits for that one's commit first). The caller's transaction
    stays usable either way.

    `lookup`: the values of one of the model's unique constraints; `values`: the rest of a
    new row. ON CONFLICT has no target, so a conflict on another unique key also counts
    as "there already", and the SELECT by `lookup` then raises DoesNotExist. Like
    `bulk_create`, it sends no pre_save or post_save signal. Returns (row, created).
    """
    obj = model(**lookup, **values)
    meta = model._meta
    using = router.db_for_write(model)
    pk_set = obj.pk is not None
    fields = [f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)]
    manager = model._base_manager
    rows = manager._insert(  # type: ignore[attr-defined]  # Model.save()'s own way in
        [obj], fields=fields, returning_fields=[meta.pk], using=using, on_conflict=OnConflict.IGNORE
    )
    if rows and rows[0]:
        setattr(obj, meta.pk.attname, rows[0][0])
        obj._state.adding, obj._state.db = False, using
        return obj, True
    return manager.db_manager(using).get(**lookup), False


def keep_latest(model: type[M], lookup: Mapping[str, Any], *, stamp: str, **values: Any) -> bool:
    """Keep a projection row as the latest announcement made it: update the row found by
    `lookup` unless it already holds a later one (its `stamp` field, e.g. the event's publish
    time, is newer), or create it. Idempotent; returns whether these values were applied.

    For events that carry an aggregate's whole state with no version: the bus delivers one
    key's events in order, except a replayed dead letter, which arrives after its successors;
    the stamp tells that stale state from a newer one."""
    newer_or_same = model._default_manager.filter(**lookup, **{f"{stamp}__lte": values[stamp]})
    if newer_or_same.update(**values):
        return True
    _, created = create_or_get(model, lookup, **values)
    return created
