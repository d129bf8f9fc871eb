"""Counting: each handler adds its event to the store's day (and hour), once (the bus's
inbox sees to it).

The counters join their handler's transaction without a savepoint: a failure fails the
handler. A count is one statement: INSERT the row with the increments as its values, or
add them to the row already there (ON CONFLICT ... DO UPDATE), on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shop.db import create_or_get, keep_latest

from ..models import OrderStore, Refund, SlotUse, Store, StoreDay, StoreHour
from ._upsert import add_to

#: The cancellations that are a prepaid order's payment failing (the payment success rate's).
PAYMENT_FAILURES = frozenset({"payment_failed", "payment_timeout"})


def local_hour(moment: datetime | None = None) -> datetime:
    """The start of the Asia/Kolkata hour that `moment` (default now) falls in."""
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _add(store_id: UUID, day: date | None, **increments: int) -> None:
    add_to(StoreDay, keys={"store_id": store_id, "date": day or timezone.localdate()}, increments=increments)


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
    as one with a coupon, and adds the discount up. A prepaid order confirmed was paid: a
    success for the payment success rate."""
    hour = local_hour(at)
    _add(
        store_id,
        day or hour.date(),
        orders_confirmed=1,
        gmv_paise=total_paise,
        cod_orders=int(cash_on_delivery),
        prepaid_confirmed=int(not cash_on_delivery),
        coupon_orders=int(discount_paise > 0),
        discount_paise=discount_paise,
    )
    add_to(
        StoreHour,
        keys={"store_id": store_id, "hour": hour},
        increments={"orders_confirmed": 1, "gmv_paise": total_paise},
    )


@transaction.atomic(savepoint=False)
def count_cancelled(
    *,
    store_id: UUID,
    reason: str,
    day: date | None = None,
    payment_method: str = "cod",
    order_id: UUID | None = None,
) -> None:
    """An order cancelled, by reason; a prepaid one cancelled for its payment (failed, or not in
    time) is a failure for the payment success rate. An order confirmed before (its slot is
    known here) gives its place in the slot back."""
    day = day or timezone.localdate()
    StoreDay.objects.get_or_create(store_id=store_id, date=day)
    row = StoreDay.objects.select_for_update().get(store_id=store_id, date=day)
    row.orders_cancelled += 1
    row.cancelled_by_reason = {**row.cancelled_by_reason, reason: row.cancelled_by_reason.get(reason, 0) + 1}
    row.prepaid_payment_failed += int(payment_method != "cod" and reason in PAYMENT_FAILURES)
    row.save(update_fields=["orders_cancelled", "cancelled_by_reason", "prepaid_payment_failed"])
    if order_id is not None:
        _free_slot_place(order_id)


def _free_slot_place(order_id: UUID) -> None:
    # Only an order whose confirmation was counted has its slot here (the bus hands one
    # order's events over in order, so its confirmation came first).
    slot_id = OrderStore.objects.filter(order_id=order_id).values_list("slot_id", flat=True).first()
    if slot_id is not None:  # its confirmation made the slot's row
        SlotUse.objects.filter(slot_id=slot_id).update(orders_cancelled=F("orders_cancelled") + 1)


@transaction.atomic(savepoint=False)
def count_delivered(
    *,
    store_id: UUID,
    day: date | None = None,
    delivered_at: datetime | None = None,
    promised_by: datetime | None = None,
) -> None:
    """An order delivered; with its promise (the slot's end), on time (by then) or late, and by how much."""
    late = promised_by is not None and delivered_at is not None and delivered_at > promised_by
    on_time = promised_by is not None and delivered_at is not None and not late
    late_seconds = int((delivered_at - promised_by).total_seconds()) if late else 0  # type: ignore[operator]
    _add(
        store_id,
        day,
        orders_delivered=1,
        delivered_on_time=int(on_time),
        delivered_late=int(late),
        late_seconds=late_seconds,
    )


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
def record_order_store(*, order_id: UUID, store_id: UUID, slot_id: UUID | None = None) -> None:
    """An order's store (and slot); the order's refunds handled before it count now, on their own days."""
    _, created = create_or_get(OrderStore, {"order_id": order_id}, store_id=store_id, slot_id=slot_id)
    if created:
        # One statement, as nearly always: a refund handled first would have made the row
        # (and one handled meanwhile waits for this insert, then finds the store).
        return
    order = _lock_order(order_id)
    if order.store_id is None:
        order.store_id, order.slot_id = store_id, slot_id
        order.save(update_fields=["store_id", "slot_id"])
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
