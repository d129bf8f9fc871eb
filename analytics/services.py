"""Counting: each handler adds its event to the store's day (and hour), once (the bus's
inbox sees to it).

The counters join their handler's transaction without a savepoint: a failure fails the
handler. A count is one statement: INSERT the row with the increments as its values, or
add them to the row already there (ON CONFLICT ... DO UPDATE), on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connections, router, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone

from shop.db import create_or_get, keep_latest

from .models import OrderStore, Refund, Store, StoreDay, StoreHour


def local_hour(moment: datetime | None = None) -> datetime:
    """The start of the Asia/Kolkata hour that `moment` (default now) falls in."""
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return str(field.column)


def _add_to(model: type[Model], *, keys: dict[str, Any], increments: dict[str, int]) -> None:
    """Add `increments` to the row `keys` names, creating it (other fields at their defaults)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    row = model(**keys, **increments)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = quote(str(model._meta.db_table))
    added = [quote(_column(model, name)) for name in increments]
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(str(field.column)) for field in fields)}) "  # noqa: S608 - no user input
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(quote(_column(model, name)) for name in keys)}) "
        f"DO UPDATE SET {', '.join(f'{column} = {table}.{column} + EXCLUDED.{column}' for column in added)}"
    )
    values = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def _add(store_id: UUID, day: date | None, **increments: int) -> None:
    _add_to(StoreDay, keys={"store_id": store_id, "date": day or timezone.localdate()}, increments=increments)


@transaction.atomic(savepoint=False)
def count_confirmed(
    *,
    store_id: UUID,
    total_paise: int,
    cash_on_delivery: bool,
    discount_paise: int = 0,
    day: date | None = None,
    at: datetime | None = None,
) -> None:
    """An order confirmed: its store's day and hour (of `at`, default now; `day` overrides the day).
    `discount_paise` is its coupon's discount (the total is net of it): the day counts the order
    as one with a coupon, and adds the discount up."""
    hour = local_hour(at)
    _add(
        store_id,
        day or hour.date(),
        orders_confirmed=1,
        gmv_paise=total_paise,
        cod_orders=int(cash_on_delivery),
        coupon_orders=int(discount_paise > 0),
        discount_paise=discount_paise,
    )
    _add_to(
        StoreHour,
        keys={"store_id": store_id, "hour": hour},
        increments={"orders_confirmed": 1, "gmv_paise": total_paise},
    )


@transaction.atomic(savepoint=False)
def count_cancelled(*, store_id: UUID, reason: str, day: date | None = None) -> None:
    day = day or timezone.localdate()
    StoreDay.objects.get_or_create(store_id=store_id, date=day)
    row = StoreDay.objects.select_for_update().get(store_id=store_id, date=day)
    row.orders_cancelled += 1
    row.cancelled_by_reason = {**row.cancelled_by_reason, reason: row.cancelled_by_reason.get(reason, 0) + 1}
    row.save(update_fields=["orders_cancelled", "cancelled_by_reason"])


@transaction.atomic(savepoint=False)
def count_delivered(*, store_id: UUID, day: date | None = None) -> None:
    _add(store_id, day, orders_delivered=1)


@transaction.atomic(savepoint=False)
def count_picked(*, store_id: UUID, outcomes: list[str], day: date | None = None) -> None:
    """A shipment picked: one outcome per line (found, short, weighed or replaced). A replaced
    line counts as short too (the fill rate is of the customer's own SKUs) and as replaced."""
    replaced = outcomes.count("replaced")
    _add(
        store_id,
        day,
        lines_picked=len(outcomes),
        lines_short=outcomes.count("short") + replaced,
        lines_replaced=replaced,
        lines_weighed=outcomes.count("weighed"),
    )


def _lock_order(order_id: UUID) -> OrderStore:
    """The order's row, made if need be and locked: its store and its refunds take turns on it,
    so a refund and the order's store handled at the same time cannot both miss the other."""
    OrderStore.objects.get_or_create(order_id=order_id)
    return OrderStore.objects.select_for_update().get(order_id=order_id)


def _count_refund(refund: Refund, *, store_id: UUID) -> None:
    refund.store_id = store_id
    refund.save(update_fields=["store_id"])
    _add(store_id, refund.date, refunds=1, refunded_paise=refund.amount_paise)


@transaction.atomic(savepoint=False)
def record_order_store(*, order_id: UUID, store_id: UUID) -> None:
    """An order's store; the order's refunds handled before it count now, on their own days."""
    _, created = create_or_get(OrderStore, {"order_id": order_id}, store_id=store_id)
    if created:
        # One statement, as nearly always: a refund handled first would have made the row
        # (and one handled meanwhile waits for this insert, then finds the store).
        return
    order = _lock_order(order_id)
    if order.store_id is None:
        order.store_id = store_id
        order.save(update_fields=["store_id"])
    for refund in Refund.objects.filter(order_id=order_id, store_id__isnull=True):
        _count_refund(refund, store_id=order.store_id)


@transaction.atomic(savepoint=False)
def count_refund(*, refund_id: UUID, order_id: UUID, amount_paise: int, channel: str, day: date) -> bool:
    """A refund paid back on `day`, once per refund id; counted now if the order's store is known."""
    order = _lock_order(order_id)
    refund, created = Refund.objects.get_or_create(
        refund_id=refund_id,
        defaults={"order_id": order_id, "amount_paise": amount_paise, "channel": channel, "date": day},
    )
    if not created:
        return False
    if order.store_id is not None:
        _count_refund(refund, store_id=order.store_id)
    return True


def record_store(*, store_id: UUID, code: str, title: str, announced_at: datetime) -> bool:
    """The store's name for the reports, as inventory last announced it (shop.db.keep_latest)."""
    with transaction.atomic():
        return keep_latest(
            Store, {"store_id": store_id}, stamp="announced_at", code=code, title=title, announced_at=announced_at
        )


def forget_old_orders(*, older_than_days: int, batch: int = 5_000) -> int:
    """Delete the order-to-store rows and counted refunds older than `older_than_days` (a
    refund so late finds no store and is not counted; Razorpay refunds within 6 months of
    the capture). In batches, each its own short transaction; returns how many rows went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    gone = 0
    for model, old in (
        (OrderStore, Q(created_at__lt=cutoff)),
        (Refund, Q(date__lt=timezone.localdate(cutoff))),
    ):
        while True:
            keys = list(model.objects.filter(old).values_list("pk", flat=True)[:batch])
            if not keys:
                break
            with transaction.atomic():
                gone += model.objects.filter(pk__in=keys).delete()[0]
    return gone
