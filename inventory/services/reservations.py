"""Reserve and release an order's stock: all lines or none, never oversold, idempotent (commit: picking.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.db import create_or_get, one_or_none
from shop.eventbus import publish

from ..errors import InvalidStockRequest, ReservationStateError
from ..events import Shortfall, StockLine, StockReleased, StockReservationFailed, StockReserved
from ..models import Movement, Reservation, ReservationLine
from ._core import (
    Ledger,
    LineRequest,
    check_steps,
    get_store,
    known_skus,
    lock_stock_ids,
    lock_stocks,
    reservation_ttl_seconds,
    sellable_quantities,
    sum_lines,
)


@dataclass(frozen=True)
class ReservationOutcome:
    """A reservation that holds every line, or the shortfalls that refused it."""

    reservation: Reservation | None
    shortfalls: tuple[Shortfall, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the order's stock is held (or was, and has been committed)."""
        return self.reservation is not None and self.reservation.status != Reservation.Status.RELEASED


def reserve_stock(
    *,
    order_id: UUID,
    store_id: UUID,
    lines: Iterable[LineRequest],
    ttl_seconds: int | None = None,
    now: datetime | None = None,
) -> ReservationOutcome:
    """Hold every line of an order at a store, or none; publishes StockReserved or StockReservationFailed."""
    wanted = sum_lines(lines)
    skus = known_skus(wanted)  # bad input is refused before any lock (and leaves the caller's transaction usable)
    check_steps(wanted, skus)
    now = now or timezone.now()
    today = timezone.localdate(now)
    ttl = reservation_ttl_seconds() if ttl_seconds is None else ttl_seconds
    if ttl <= 0:
        raise InvalidStockRequest(f"A reservation's time-to-live must be positive, got {ttl} s.")
    with transaction.atomic(savepoint=False):  # a failure fails the caller: no savepoint to roll back to
        stocks = lock_stocks(store_id=store_id, sku_ids=wanted, with_store=True)
        store = stocks[0].store if stocks else get_store(store_id)  # read with the stock rows
        # Read after the locks: a concurrent reserve of the same order has committed by now.
        existing = one_or_none(Reservation.objects.filter(order_id=order_id))
        if existing is not None:
            return _already(existing)
        asked = tuple(StockLine(sku_id=sku_id, quantity=quantity) for sku_id, quantity in wanted.items())
        if not store.is_open:
            closed = StockReservationFailed(order_id=order_id, store_id=store_id, reason="store_closed", lines=asked)
            publish(closed, key=order_id)
            return ReservationOutcome(reservation=None, reason="store_closed")
        by_sku = {stock.sku_id: stock for stock in stocks}
        sellable = sellable_quantities(stocks, today=today)
        shortfalls = []
        for sku_id, quantity in wanted.items():
            stock = by_sku.get(sku_id)
            can_sell = 0
            if stock is not None and skus[sku_id].is_active:
                can_sell = max(0, sellable[stock.id] - stock.reserved)
            if quantity > can_sell:
                shortfalls.append(
                    Shortfall(sku_id=sku_id, requested=quantity, available=can_sell, missing=quantity - can_sell)
                )
        if shortfalls:
            # Checked before any write: a refused order leaves nothing behind but this event.
            failed = StockReservationFailed(
                order_id=order_id,
                store_id=store_id,
                reason="insufficient_stock",
                lines=asked,
                shortfalls=tuple(shortfalls),
            )
            publish(failed, key=order_id)
            return ReservationOutcome(reservation=None, shortfalls=failed.shortfalls, reason=failed.reason)

        reservation, created = create_or_get(
            Reservation, {"order_id": order_id}, store=store, expires_at=now + timedelta(seconds=ttl)
        )
        if not created:
            # The same order reserved other SKUs concurrently (no common lock) and committed first.
            return _already(reservation)
        ledger = Ledger()
        reservation_lines = []
        for stock in stocks:
            quantity = wanted[stock.sku_id]
            ledger.move(stock, kind=Movement.Kind.RESERVATION, reserved=quantity, order_id=order_id)
            reservation_lines.append(ReservationLine(reservation=reservation, stock=stock, quantity=quantity))
        ReservationLine.objects.bulk_create(reservation_lines)
        ledger.flush(stocks, today=today, sellable=sellable)
        publish(
            StockReserved(
                reservation_id=reservation.id,
                order_id=order_id,
                store_id=store_id,
                lines=asked,
                expires_at=reservation.expires_at,
            ),
            key=order_id,
        )
        return ReservationOutcome(reservation=reservation)


def _already(existing: Reservation) -> ReservationOutcome:
    """A repeated reserve of one order: the first decision stands (order ids are never reused)."""
    if existing.status == Reservation.Status.RELEASED:
        return ReservationOutcome(reservation=existing, reason="already_released")
    return ReservationOutcome(reservation=existing)


def release_stock(*, order_id: UUID, reason: str = "cancelled", now: datetime | None = None) -> Reservation | None:
    """Put an order's held stock back on sale; a second call (or an unknown order) changes nothing."""
    if reason not in ("cancelled", "expired"):
        raise InvalidStockRequest(f"Unknown release reason {reason!r}.")
    reservation, _ = _release_order(order_id=order_id, reason=reason, now=now or timezone.now())
    return reservation


def _release_order(*, order_id: UUID, reason: str, now: datetime) -> tuple[Reservation | None, bool]:
    """Release under the reservation's row lock; says whether this call released it."""
    with transaction.atomic():
        reservation = one_or_none(Reservation.objects.select_for_update().filter(order_id=order_id))
        if reservation is None or reservation.status == Reservation.Status.RELEASED:
            return reservation, False
        if reservation.status == Reservation.Status.COMMITTED:
            if reason == "expired":
                return reservation, False  # committed after the sweep listed it
            raise ReservationStateError(f"The reservation of order {order_id} was committed at picking; not released.")
        if reason == "expired" and reservation.expires_at > now:
            return reservation, False
        _release(reservation, reason=reason, now=now)
        return reservation, True


def _release(reservation: Reservation, *, reason: str, now: datetime) -> None:
    lines = {line.stock_id: line for line in reservation.lines.all()}
    stocks = lock_stock_ids(lines)
    ledger = Ledger()
    for stock in stocks:
        ledger.move(
            stock,
            kind=Movement.Kind.RELEASE,
            reserved=-lines[stock.id].quantity,
            order_id=reservation.order_id,
            reason=reason,
        )
    reservation.status = Reservation.Status.RELEASED
    reservation.closed_at = now
    reservation.close_reason = reason
    reservation.save(update_fields=["status", "closed_at", "close_reason"])
    ledger.flush(stocks, today=timezone.localdate(now))
    publish(
        StockReleased(
            reservation_id=reservation.id,
            order_id=reservation.order_id,
            store_id=reservation.store_id,
            reason="expired" if reason == "expired" else "cancelled",
            lines=tuple(
                sorted(
                    (StockLine(sku_id=stock.sku_id, quantity=lines[stock.id].quantity) for stock in stocks),
                    key=lambda line: str(line.sku_id),
                )
            ),
        ),
        key=reservation.order_id,
    )


def release_expired_reservations(*, now: datetime | None = None, limit: int = 500) -> int:
    """Release active reservations past their time-to-live, each in its own transaction; returns how many."""
    now = now or timezone.now()
    due = list(
        Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("order_id", flat=True)[:limit]
    )
    released = 0
    for order_id in due:
        _, done = _release_order(order_id=order_id, reason="expired", now=now)
        released += done
    return released


def hold_for_fulfilment(*, order_id: UUID, now: datetime | None = None) -> Reservation | None:
    """A confirmed order's stock stays held until picking: its time-to-live no longer applies."""
    now = now or timezone.now()
    hold = timedelta(seconds=getattr(settings, "INVENTORY_CONFIRMED_HOLD_SECONDS", 3 * 24 * 3600))
    with transaction.atomic(savepoint=False):
        reservation = one_or_none(Reservation.objects.select_for_update().filter(order_id=order_id))
        if reservation is not None and reservation.status == Reservation.Status.ACTIVE:
            reservation.expires_at = max(reservation.expires_at, now + hold)
            reservation.save(update_fields=["expires_at"])
    return reservation
