"""Building blocks every inventory service shares: locking, ledger writes, sellable levels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db.models import F, Q

from shop.db import one_or_none
from shop.eventbus import publish

from ..errors import InvalidStockRequest, NotFound, UnknownSku
from ..events import StockLevelChanged, StockLow
from ..models import Batch, Movement, Sku, Stock, Store

#: The most one receipt or adjustment may move, and the highest low-stock threshold, in base units
#: (a million pieces, or a tonne of grams). Stock columns are 32-bit: a bigger number was cut down
#: by the database (2^32 + 100 received as 100) or failed it.
MAX_QUANTITY_PER_MOVE = 1_000_000


class LineRequest(Protocol):
    """Anything with a SKU id and an integer quantity (an order line, a StockLine, a picked line)."""

    @property
    def sku_id(self) -> UUID: ...

    @property
    def quantity(self) -> int: ...


@dataclass(frozen=True)
class Line:
    """A plain line for callers that have no event at hand."""

    sku_id: UUID
    quantity: int


def reservation_ttl_seconds() -> int:
    return int(getattr(settings, "INVENTORY_RESERVATION_TTL_SECONDS", 900))


def level_key(store_id: UUID, sku_id: UUID) -> str:
    """The bus key of a store+SKU's stock events: one ordered stream per stock."""
    return f"{store_id}:{sku_id}"


def sum_lines(lines: Iterable[LineRequest], *, allow_zero: bool = False) -> dict[UUID, int]:
    """Sum an order's lines per SKU (duplicates added) in sorted SKU order; refuse bad quantities."""
    wanted: dict[UUID, int] = {}
    for index, line in enumerate(lines):
        quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidStockRequest(
                f"Line {index + 1}: the quantity must be a whole number of base units.",
                fields={"lines": [f"{index + 1}: not an integer"]},
            )
        if quantity < 0 or (quantity == 0 and not allow_zero):
            raise InvalidStockRequest(
                f"Line {index + 1}: the quantity must be positive, got {quantity}.",
                fields={"lines": [f"{index + 1}: quantity {quantity} is not positive"]},
            )
        wanted[line.sku_id] = wanted.get(line.sku_id, 0) + quantity
    if not wanted:
        raise InvalidStockRequest("At least one line is required.", fields={"lines": ["empty"]})
    return dict(sorted(wanted.items(), key=lambda item: str(item[0])))


def known_skus(sku_ids: Iterable[UUID]) -> dict[UUID, Sku]:
    """The projected SKUs for these ids; an id the catalog never published is refused."""
    ids = list(sku_ids)
    found = {sku.sku_id: sku for sku in Sku.objects.filter(sku_id__in=ids)}
    missing = [str(sku_id) for sku_id in ids if sku_id not in found]
    if missing:
        raise UnknownSku(f"Unknown SKU: {', '.join(missing)}.", fields={"sku_id": missing})
    return found


def check_steps(wanted: dict[UUID, int], skus: dict[UUID, Sku]) -> None:
    """Every quantity must be a whole number of the SKU's orderable step (1 pack, 250 g ...)."""
    for sku_id, quantity in wanted.items():
        sku = skus[sku_id]
        if quantity % sku.step:
            raise InvalidStockRequest(
                f"{sku.name}: {quantity} {sku.base_unit} is not a multiple of its step of {sku.step} {sku.base_unit}.",
                fields={"quantity": [f"{sku_id}: not a multiple of {sku.step}"]},
            )


def get_store(store_id: UUID) -> Store:
    store = one_or_none(Store.objects.filter(pk=store_id))
    if store is None:
        raise NotFound(f"No store {store_id}.")
    return store


def lock_stocks(*, store_id: UUID, sku_ids: Iterable[UUID], with_store: bool = False) -> list[Stock]:
    """Lock the stock rows of these SKUs at the store, always in primary-key order (no deadlock),
    read with their SKUs (and, `with_store`, the store: it is not locked)."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("sku", *(("store",) if with_store else ()))
        .filter(store_id=store_id, sku_id__in=list(sku_ids))
        .order_by("pk")
    )


def lock_stock_ids(
    stock_ids: Iterable[UUID], *, store_id: UUID | None = None, sku_ids: Iterable[UUID] = ()
) -> list[Stock]:
    """Lock these stock rows, and the store's rows of `sku_ids` (if any), in one statement in primary-key order."""
    rows = Q(pk__in=list(stock_ids))
    also = list(sku_ids)
    if also:
        assert store_id is not None, "sku_ids need their store"
        rows |= Q(store_id=store_id, sku_id__in=also)
    return list(Stock.objects.select_for_update(of=("self",)).select_related("sku").filter(rows).order_by("pk"))


def lock_or_create_stock(*, store: Store, sku: Sku) -> Stock:
    """The locked stock row of a store+SKU, created empty if it is the first receipt."""
    Stock.objects.get_or_create(store=store, sku=sku)
    return lock_stocks(store_id=store.id, sku_ids=[sku.sku_id])[0]


def is_sellable(expires_on: date | None, *, min_life_days: int, today: date) -> bool:
    """A batch may be sold if it will still have the SKU's minimum life left on delivery."""
    return expires_on is None or expires_on >= today + timedelta(days=min_life_days)


def sellable_batches(stock: Stock, *, today: date) -> list[Batch]:
    """The stock's sellable batches, first expiry first (call with the stock row locked)."""
    min_life = stock.sku.min_life_on_delivery_days
    return [
        batch
        for batch in stock.batches.filter(quantity__gt=0).order_by(F("expires_on").asc(nulls_last=True), "received_at")
        if is_sellable(batch.expires_on, min_life_days=min_life, today=today)
    ]


def sellable_quantities(stocks: Sequence[Stock], *, today: date) -> dict[UUID, int]:
    """Sellable quantity per stock id: the sum of its batches that may still be sold."""
    min_life = {stock.id: stock.sku.min_life_on_delivery_days for stock in stocks}
    totals = dict.fromkeys(min_life, 0)
    rows = Batch.objects.filter(stock_id__in=list(min_life), quantity__gt=0).values_list(
        "stock_id", "expires_on", "quantity"
    )
    for stock_id, expires_on, quantity in rows:
        if is_sellable(expires_on, min_life_days=min_life[stock_id], today=today):
            totals[stock_id] += quantity
    return totals


class Ledger:
    """A transaction's stock moves: applied in memory at once, written by flush() in a few statements."""

    def __init__(self) -> None:
        self._movements: list[Movement] = []
        self._stock_deltas: dict[UUID, list[int]] = {}
        self._batch_deltas: dict[UUID, int] = {}

    def move(
        self,
        stock: Stock,
        *,
        kind: str,
        on_hand: int = 0,
        reserved: int = 0,
        batch: Batch | None = None,
        order_id: UUID | None = None,
        reason: str = "",
        user_id: UUID | None = None,
    ) -> None:
        """Change a locked stock row (and batch) by deltas, with the ledger entry that explains it."""
        deltas = self._stock_deltas.setdefault(stock.pk, [0, 0])
        deltas[0] += on_hand
        deltas[1] += reserved
        stock.on_hand += on_hand
        stock.reserved += reserved
        if batch is not None and on_hand:
            self._batch_deltas[batch.pk] = self._batch_deltas.get(batch.pk, 0) + on_hand
            batch.quantity += on_hand
        self._movements.append(
            Movement(
                kind=kind,
                store_id=stock.store_id,
                stock=stock,
                sku_id=stock.sku_id,
                batch=batch,
                on_hand_delta=on_hand,
                reserved_delta=reserved,
                order_id=order_id,
                reason=reason[:200],
                user_id=user_id,
            )
        )

    def flush(self, stocks: Sequence[Stock], *, today: date, sellable: dict[UUID, int] | None = None) -> None:
        """Write batches, stock rows and movements; publish StockLevelChanged (and StockLow) where the level moved."""
        missing = set(self._stock_deltas) - {stock.pk for stock in stocks}
        assert not missing, f"flush() must be given every stock it moved, not given: {missing}"
        for batch_id, delta in self._batch_deltas.items():
            if delta:
                Batch.objects.filter(pk=batch_id).update(quantity=F("quantity") + delta)
        if sellable is None:
            sellable = sellable_quantities(stocks, today=today) if stocks else {}
        for stock in stocks:
            on_hand, reserved = self._stock_deltas.get(stock.pk, (0, 0))
            level = max(0, sellable[stock.id] - stock.reserved) if stock.sku.is_active else 0
            previous = stock.available
            # Relative updates: the CHECK constraints judge the row as it is in the database.
            changes: dict[str, Any] = {}
            if on_hand:
                changes["on_hand"] = F("on_hand") + on_hand
            if reserved:
                changes["reserved"] = F("reserved") + reserved
            if level != previous:
                changes["available"] = level
            announce = worth_announcing(published=stock.published_available, level=level)
            if announce:
                changes["published_available"] = level
            if changes:
                Stock.objects.filter(pk=stock.pk).update(**changes)
            stock.available = level
            if announce:
                stock.published_available = level
                _publish_level(stock)
            _publish_low(stock, previous=previous)
        Movement.objects.bulk_create(self._movements)
        self._movements, self._stock_deltas, self._batch_deltas = [], {}, {}


def level_step_percent() -> int:
    return int(getattr(settings, "INVENTORY_LEVEL_STEP_PERCENT", 10))


def worth_announcing(*, published: int, level: int) -> bool:
    """Whether a new level is news for the catalog's and the cart's projections.

    Every reservation moves the level; announcing each move made two deliveries per SKU
    per order, all queued on one hot key. What the projections need: in or out of stock
    exactly, and the quantity within a step (10 % by default) of the truth, so "only N
    left" stays right where it matters (near zero a step is under one unit: every move
    is announced). Reservation, not the projection, decides what can be sold.
    """
    if level == published:
        return False
    if (published > 0) != (level > 0):
        return True
    return abs(level - published) * 100 >= published * level_step_percent()


def _publish_level(stock: Stock) -> None:
    level = stock.available
    publish(
        StockLevelChanged(store_id=stock.store_id, sku_id=stock.sku_id, available=level, in_stock=level > 0),
        key=level_key(stock.store_id, stock.sku_id),
    )


def _publish_low(stock: Stock, *, previous: int) -> None:
    level, threshold = stock.available, stock.low_stock_threshold
    if threshold and level <= threshold < previous:
        # Rare (a threshold crossed), so the SKU and store rows are read here, not on every move.
        sku, store = stock.sku, stock.store
        publish(
            StockLow(
                store_id=stock.store_id,
                sku_id=stock.sku_id,
                available=level,
                threshold=threshold,
                stock_id=stock.id,
                sku_code=sku.sku_code,
                sku_name=sku.name,
                base_unit=sku.base_unit,
                store_code=store.code,
                store_title=store.title,
            ),
            key=level_key(stock.store_id, stock.sku_id),
        )


def sync_levels(stocks: Sequence[Stock], *, today: date) -> None:
    """Re-level locked stocks whose sellability changed without a move (ageing batches, SKU rules)."""
    Ledger().flush(stocks, today=today)
