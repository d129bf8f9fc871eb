"""Commit an order's reservation at picking: what left the shelf, first expiry first out; the rest released."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import structlog
from django.db import transaction
from django.utils import timezone

from shop.db import one_or_none
from shop.eventbus import publish

from ..errors import InvalidStockRequest, NotFound, ReservationStateError, StockConflict
from ..events import BatchPick, CommittedLine, StockCommitted
from ..models import Movement, Reservation, ReservationLine, Stock
from ._core import Ledger, LineRequest, lock_stock_ids, sellable_batches, sum_lines

log = structlog.get_logger("inventory")

BEYOND_THE_RESERVATION = "picked beyond the reservation"
REPLACEMENT = "replacement for a short line"


def commit_stock(
    *,
    order_id: UUID,
    picked: Iterable[LineRequest],
    replacements: Iterable[LineRequest] = (),
    now: datetime | None = None,
) -> Reservation:
    """At picking: take what was picked off the shelf FEFO (any excess: unreserved stock) and the replacements
    put in short lines' place (unreserved stock, as much as there is), release the unpicked rest.

    `picked` is per reserved SKU, what was found of the order's own lines; `replacements` is per SKU
    what went in the bag instead of what was short. A SKU may be in both (the customer ordered both
    packs): its reservation serves its own line and the replacement comes on top of it."""
    picked_by_sku = _summed(picked)
    replaced_by_sku = {sku_id: quantity for sku_id, quantity in _summed(replacements).items() if quantity}
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        reservation = one_or_none(Reservation.objects.select_for_update().filter(order_id=order_id))
        if reservation is None:
            raise NotFound(f"No reservation for order {order_id}.")
        if reservation.status == Reservation.Status.COMMITTED:
            return reservation
        if reservation.status == Reservation.Status.RELEASED:
            raise ReservationStateError(
                f"The reservation of order {order_id} was released ({reservation.close_reason}); "
                "it cannot be committed."
            )
        lines = {line.stock_id: line for line in reservation.lines.all()}
        # The reserved rows and the replacements' rows in one statement, in primary-key order: a
        # concurrent commit or reservation sharing any of them waits instead of deadlocking.
        stocks = lock_stock_ids(lines, store_id=reservation.store_id, sku_ids=replaced_by_sku)
        reserved_skus = {stock.sku_id for stock in stocks if stock.id in lines}
        for sku_id in picked_by_sku:
            if sku_id not in reserved_skus:
                raise InvalidStockRequest(f"SKU {sku_id} was not reserved for order {order_id}.")
        stocked = {stock.sku_id for stock in stocks}
        for sku_id, quantity in replaced_by_sku.items():
            if sku_id not in stocked:
                # The goods are in the bag all the same: the count is off, staff recount.
                log.warning(
                    "replacement_not_stocked",
                    order_id=str(order_id),
                    store_id=str(reservation.store_id),
                    sku_id=str(sku_id),
                    replaced=quantity,
                    taken=0,
                )
        ledger = Ledger()
        committed = [
            _commit_line(
                ledger,
                stock,
                lines.get(stock.id),
                picked=picked_by_sku.get(stock.sku_id, 0),
                replaced=replaced_by_sku.get(stock.sku_id, 0),
                order_id=order_id,
                today=today,
            )
            for stock in stocks
        ]
        reservation.status = Reservation.Status.COMMITTED
        reservation.closed_at = now
        reservation.close_reason = "picked"
        reservation.save(update_fields=["status", "closed_at", "close_reason"])
        ledger.flush(stocks, today=today)
        # One line per reserved SKU, and one per replacement SKU something was taken from.
        taken = sorted((line for line in committed if line.reserved or line.picked), key=lambda line: str(line.sku_id))
        publish(
            StockCommitted(
                reservation_id=reservation.id, order_id=order_id, store_id=reservation.store_id, lines=tuple(taken)
            ),
            key=order_id,
        )
        return reservation


def _summed(lines: Iterable[LineRequest]) -> dict[UUID, int]:
    """Quantities per SKU (zero allowed), checked before any lock; nothing given is nothing."""
    listed = list(lines)
    return sum_lines(listed, allow_zero=True) if listed else {}


def _commit_line(
    ledger: Ledger,
    stock: Stock,
    line: ReservationLine | None,
    *,
    picked: int,
    replaced: int,
    order_id: UUID,
    today: date,
) -> CommittedLine:
    """Consume `picked` from the stock's sellable batches, first expiry first; release the unpicked rest.

    Produce weighed heavier than ordered (810 g for 750 g) left the shelf all the same, and so did a
    replacement put in a short line's place (`replaced`, on top of any reservation of this SKU): both
    come from the unreserved sellable stock, as much of it as there is (never from other orders'
    reservations), the weighed excess first; the line never fails the commit for them."""
    reserved = line.quantity if line is not None else 0
    batches = sellable_batches(stock, today=today)
    from_reservation = min(picked, reserved)
    unreserved = max(0, sum(batch.quantity for batch in batches) - stock.reserved)
    beyond = min(picked - from_reservation, unreserved)
    replacing = min(replaced, unreserved - beyond)
    # Taken from each batch in turn: the held part, then the weighed excess, then the replacement.
    takes = ((True, ""), (False, BEYOND_THE_RESERVATION), (False, REPLACEMENT))
    left = [from_reservation, beyond, replacing]
    picks: list[BatchPick] = []
    for batch in batches:
        if not any(left):
            break
        taken = 0
        for index, (held, reason) in enumerate(takes):
            quantity = min(batch.quantity, left[index])  # the batch's quantity is already net of earlier takes
            if quantity:
                ledger.move(
                    stock,
                    kind=Movement.Kind.PICK,
                    on_hand=-quantity,
                    reserved=-quantity if held else 0,
                    batch=batch,
                    order_id=order_id,
                    reason=reason,
                )
                left[index] -= quantity
                taken += quantity
        if taken:
            picks.append(
                BatchPick(batch_id=batch.id, batch_code=batch.code, expires_on=batch.expires_on, quantity=taken)
            )
    if left[0]:
        raise StockConflict(
            f"{stock.sku.name}: only {from_reservation - left[0]} {stock.sku.base_unit} are in sellable batches, "
            f"{from_reservation} were picked; adjust the stock count first."
        )
    if reserved > picked:
        ledger.move(
            stock, kind=Movement.Kind.RELEASE, reserved=picked - reserved, order_id=order_id, reason="not picked"
        )
    context = {"order_id": str(order_id), "store_id": str(stock.store_id), "sku_id": str(stock.sku_id)}
    if picked > from_reservation + beyond:
        log.warning(
            "picked_beyond_sellable_stock", **context, picked=picked, reserved=reserved, taken=from_reservation + beyond
        )
    if replaced > replacing:
        # The goods are in the bag all the same: the count is off, staff recount.
        log.warning("replacement_beyond_sellable_stock", **context, replaced=replaced, taken=replacing)
    if line is not None:
        line.picked = from_reservation  # of the reservation; what was taken beyond it is in the ledger and the event
        line.save(update_fields=["picked"])
    return CommittedLine(
        sku_id=stock.sku_id,
        reserved=reserved,
        picked=from_reservation + beyond + replacing,
        replaced=replacing,
        batches=tuple(picks),
    )
