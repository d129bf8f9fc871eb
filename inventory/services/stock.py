"""Goods receipt, adjustments with a reason, low-stock thresholds, expiry write-offs and level refreshes."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shop.eventbus import publish

from ..errors import InvalidStockRequest, NotFound, StockConflict
from ..events import BatchExpired
from ..models import Batch, Movement, Stock
from ._core import (
    MAX_QUANTITY_PER_MOVE,
    Ledger,
    get_store,
    known_skus,
    level_key,
    lock_or_create_stock,
    lock_stock_ids,
    lock_stocks,
    sync_levels,
)


def receive_stock(
    *,
    store_id: UUID,
    sku_id: UUID,
    quantity: int,
    expires_on: date | None = None,
    batch_code: str = "",
    user_id: UUID | None = None,
    now: datetime | None = None,
) -> Batch:
    """Book a goods receipt: a new batch on the shelf, a receipt in the ledger."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidStockRequest(
            "The received quantity must be a positive whole number of base units.",
            fields={"quantity": ["must be a positive integer"]},
        )
    if quantity > MAX_QUANTITY_PER_MOVE:
        raise InvalidStockRequest(
            f"At most {MAX_QUANTITY_PER_MOVE:,} base units can be received at once, got {quantity:,}.",
            fields={"quantity": [f"at most {MAX_QUANTITY_PER_MOVE}"]},
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    if expires_on is not None and expires_on < today:
        raise InvalidStockRequest(
            f"The batch expired on {expires_on}; it cannot be received.", fields={"expires_on": ["in the past"]}
        )
    sku = known_skus([sku_id])[sku_id]
    with transaction.atomic():
        stock = lock_or_create_stock(store=get_store(store_id), sku=sku)
        batch = Batch.objects.create(
            stock=stock,
            code=batch_code or f"GRN-{now:%Y%m%d}-{stock.batches.count() + 1}",
            expires_on=expires_on,
            received_at=now,
            received_quantity=quantity,
            quantity=0,  # the receipt movement below brings it to `quantity`
        )
        ledger = Ledger()
        ledger.move(
            stock, kind=Movement.Kind.RECEIPT, on_hand=quantity, batch=batch, reason=batch.code, user_id=user_id
        )
        ledger.flush([stock], today=today)
        return batch


def adjust_stock(
    *,
    store_id: UUID,
    sku_id: UUID,
    delta: int,
    reason: str,
    batch_id: UUID | None = None,
    expires_on: date | None = None,
    user_id: UUID | None = None,
    now: datetime | None = None,
) -> Stock:
    """Correct the count (found, damaged, lost) with a reason; never below what is reserved."""
    reason = reason.strip()
    if not reason:
        raise InvalidStockRequest("An adjustment needs a reason.", fields={"reason": ["required"]})
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidStockRequest(
            "The adjustment must be a non-zero whole number of base units.",
            fields={"delta": ["must be a non-zero integer"]},
        )
    if abs(delta) > MAX_QUANTITY_PER_MOVE:
        raise InvalidStockRequest(
            f"An adjustment moves at most {MAX_QUANTITY_PER_MOVE:,} base units either way, got {delta:,}.",
            fields={"delta": [f"between -{MAX_QUANTITY_PER_MOVE} and {MAX_QUANTITY_PER_MOVE}"]},
        )
    now = now or timezone.now()
    with transaction.atomic():
        stocks = lock_stocks(store_id=store_id, sku_ids=[sku_id])
        if delta > 0 and not stocks:
            stocks = [lock_or_create_stock(store=get_store(store_id), sku=known_skus([sku_id])[sku_id])]
        if not stocks:
            raise NotFound(f"Store {store_id} holds no stock of SKU {sku_id}.")
        stock = stocks[0]
        batch = stock.batches.filter(pk=batch_id).first() if batch_id else None
        if batch_id and batch is None:
            raise NotFound(f"No batch {batch_id} in this stock.")
        ledger = Ledger()
        if delta > 0:
            if batch is None:
                batch = Batch.objects.create(
                    stock=stock,
                    code=f"ADJ-{now:%Y%m%d%H%M%S}",
                    expires_on=expires_on,
                    received_at=now,
                    received_quantity=0,
                    quantity=0,
                )
            ledger.move(
                stock, kind=Movement.Kind.ADJUSTMENT, on_hand=delta, batch=batch, reason=reason, user_id=user_id
            )
        else:
            _take_out(ledger, stock, -delta, batch=batch, reason=reason, user_id=user_id)
        ledger.flush([stock], today=timezone.localdate(now))
        return stock


def _take_out(
    ledger: Ledger, stock: Stock, amount: int, *, batch: Batch | None, reason: str, user_id: UUID | None
) -> None:
    """Remove `amount` from one batch or, if none is named, from the batches first expiry first."""
    if stock.on_hand - amount < stock.reserved:
        raise StockConflict(
            f"Only {stock.on_hand - stock.reserved} {stock.sku.base_unit} are not reserved; cannot remove {amount}."
        )
    batches = [batch] if batch is not None else list(stock.batches.filter(quantity__gt=0))
    if sum(b.quantity for b in batches) < amount:
        raise StockConflict(f"The batches hold only {sum(b.quantity for b in batches)}; cannot remove {amount}.")
    for source in batches:
        take = min(source.quantity, amount)
        if take:
            ledger.move(
                stock, kind=Movement.Kind.ADJUSTMENT, on_hand=-take, batch=source, reason=reason, user_id=user_id
            )
            amount -= take
        if amount == 0:
            break


def set_low_stock_threshold(*, store_id: UUID, sku_id: UUID, threshold: int) -> Stock:
    """Alert (StockLow) when the store's sellable quantity falls to `threshold` or below; 0 turns it off."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= MAX_QUANTITY_PER_MOVE:
        raise InvalidStockRequest(
            f"The threshold must be a whole number from 0 to {MAX_QUANTITY_PER_MOVE:,}.",
            fields={"threshold": ["invalid"]},
        )
    with transaction.atomic():
        stocks = lock_stocks(store_id=store_id, sku_ids=[sku_id])
        if not stocks:
            raise NotFound(f"Store {store_id} holds no stock of SKU {sku_id}.")
        Stock.objects.filter(pk=stocks[0].pk).update(low_stock_threshold=threshold)
        stocks[0].low_stock_threshold = threshold
        return stocks[0]


def write_off_expired_batches(*, now: datetime | None = None) -> int:
    """Write off what is left of batches past their expiry date; returns how many base units went."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stock_ids = set(
        Batch.objects.filter(expires_on__lt=today, quantity__gt=0).values_list("stock_id", flat=True).distinct()
    )
    total = 0
    for stock_id in sorted(stock_ids):
        with transaction.atomic():
            stocks = lock_stock_ids([stock_id])
            stock = stocks[0]
            ledger = Ledger()
            for batch in stock.batches.filter(expires_on__lt=today, quantity__gt=0):
                # Held stock stays until its reservation ends: reserved <= on_hand must hold.
                amount = min(batch.quantity, stock.on_hand - stock.reserved)
                if amount <= 0:
                    continue
                ledger.move(stock, kind=Movement.Kind.WRITE_OFF, on_hand=-amount, batch=batch, reason="expired")
                if batch.quantity == 0:
                    Batch.objects.filter(pk=batch.pk).update(written_off_at=now)
                assert batch.expires_on is not None
                publish(
                    BatchExpired(
                        store_id=stock.store_id,
                        sku_id=stock.sku_id,
                        batch_id=batch.id,
                        batch_code=batch.code,
                        expires_on=batch.expires_on,
                        written_off=amount,
                    ),
                    key=level_key(stock.store_id, stock.sku_id),
                )
                total += amount
            ledger.flush(stocks, today=today)
    return total


def refresh_stock_levels(*, now: datetime | None = None) -> int:
    """Recompute the sellable level of stocks with dated batches (they age); returns how many moved."""
    today = timezone.localdate(now or timezone.now())
    stock_ids = sorted(
        set(Batch.objects.filter(expires_on__isnull=False, quantity__gt=0).values_list("stock_id", flat=True))
        | set(Stock.objects.filter(sku__is_active=False, available__gt=0).values_list("pk", flat=True))
    )
    moved = 0
    for start in range(0, len(stock_ids), 200):
        with transaction.atomic():
            stocks = lock_stock_ids(stock_ids[start : start + 200])
            before = {stock.pk: stock.available for stock in stocks}
            sync_levels(stocks, today=today)
            moved += sum(1 for stock in stocks if stock.available != before[stock.pk])
    return moved
