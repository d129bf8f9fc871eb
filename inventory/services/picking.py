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


def commit_stock(*, order_id: UUID, picked: Iterable[LineRequest], now: datetime | None = None) -> Reservation:
    """At picking: take what was picked off the shelf FEFO (any excess: unreserved stock), release the rest."""
    picked_lines = list(picked)
    picked_by_sku = sum_lines(picked_lines, allow_zero=True) if picked_lines else {}
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
        stocks = lock_stock_ids(lines)
        by_sku = {stock.sku_id: stock for stock in stocks}
        for sku_id in picked_by_sku:
            if sku_id not in by_sku:
                raise InvalidStockRequest(f"SKU {sku_id} was not reserved for order {order_id}.")
        ledger = Ledger()
        committed = [
            _commit_line(
                ledger, stock, lines[stock.id], picked_by_sku.get(stock.sku_id, 0), order_id=order_id, today=today
            )
            for stock in stocks
        ]
        reservation.status = Reservation.Status.COMMITTED
        reservation.closed_at = now
        reservation.close_reason = "picked"
        reservation.save(update_fields=["status", "closed_at", "close_reason"])
        ledger.flush(stocks, today=today)
        publish(
            StockCommitted(
                reservation_id=reservation.id,
                order_id=order_id,
                store_id=reservation.store_id,
                lines=tuple(sorted(committed, key=lambda line: str(line.sku_id))),
            ),
            key=order_id,
        )
        return reservation


def _commit_line(
    ledger: Ledger, stock: Stock, line: ReservationLine, picked: int, *, order_id: UUID, today: date
) -> CommittedLine:
    """Consume `picked` from the stock's sellable batches, first expiry first; release the unpicked rest.

    Produce weighed heavier than ordered (810 g for 750 g) left the shelf all the same: the part
    beyond the reservation comes from the unreserved sellable stock, as much of it as there is
    (never from other orders' reservations); the line never fails the commit for it."""
    batches = sellable_batches(stock, today=today)
    from_reservation = min(picked, line.quantity)
    unreserved = max(0, sum(batch.quantity for batch in batches) - stock.reserved)
    beyond = min(picked - from_reservation, unreserved)
    picks: list[BatchPick] = []
    to_release, to_take_beyond = from_reservation, beyond
    for batch in batches:
        if not to_release and not to_take_beyond:
            break
        held = min(batch.quantity, to_release)
        if held:
            ledger.move(stock, kind=Movement.Kind.PICK, on_hand=-held, reserved=-held, batch=batch, order_id=order_id)
            to_release -= held
        extra = min(batch.quantity, to_take_beyond)  # the batch's quantity is already net of `held`
        if extra:
            ledger.move(
                stock,
                kind=Movement.Kind.PICK,
                on_hand=-extra,
                batch=batch,
                order_id=order_id,
                reason="picked beyond the reservation",
            )
            to_take_beyond -= extra
        if held or extra:
            picks.append(
                BatchPick(batch_id=batch.id, batch_code=batch.code, expires_on=batch.expires_on, quantity=held + extra)
            )
    if to_release:
        raise StockConflict(
            f"{stock.sku.name}: only {from_reservation - to_release} {stock.sku.base_unit} are in sellable batches, "
            f"{from_reservation} were picked; adjust the stock count first."
        )
    if line.quantity > picked:
        ledger.move(
            stock, kind=Movement.Kind.RELEASE, reserved=picked - line.quantity, order_id=order_id, reason="not picked"
        )
    if picked > from_reservation + beyond:
        log.warning(
            "picked_beyond_sellable_stock",
            order_id=str(order_id),
            store_id=str(stock.store_id),
            sku_id=str(stock.sku_id),
            picked=picked,
            reserved=line.quantity,
            taken=from_reservation + beyond,
        )
    line.picked = from_reservation  # of the reservation; what was taken beyond it is in the ledger and the event
    line.save(update_fields=["picked"])
    return CommittedLine(
        sku_id=stock.sku_id, reserved=line.quantity, picked=from_reservation + beyond, batches=tuple(picks)
    )
