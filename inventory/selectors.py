"""Read queries of the inventory app: stock lists, near-expiry and low-stock lists, ledger reconciliation."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from .models import Batch, Movement, Reservation, ReservationLine, Stock, Store

NEAR_EXPIRY_DAYS = 3


def list_stock(*, store: str | None = None, sku_id: UUID | None = None, low: bool = False) -> QuerySet[Stock]:
    """Stock rows for staff, filtered by store (id or code), SKU and low-stock state."""
    qs = Stock.objects.select_related("store", "sku").order_by("store__code", "sku__name", "pk")
    if store:
        qs = qs.filter(store__code=store) if not _is_uuid(store) else qs.filter(store_id=store)
    if sku_id:
        qs = qs.filter(sku_id=sku_id)
    if low:
        qs = list_low_stock(qs)
    return qs


def list_low_stock(qs: QuerySet[Stock] | None = None) -> QuerySet[Stock]:
    """Stock at or below its low-stock threshold (where one is set)."""
    base = qs if qs is not None else Stock.objects.select_related("store", "sku")
    return base.filter(low_stock_threshold__gt=0, available__lte=F("low_stock_threshold"))


def list_near_expiry(*, days: int = NEAR_EXPIRY_DAYS, today: date | None = None) -> QuerySet[Batch]:
    """Batches with stock left that expire within `days` (already expired ones included)."""
    today = today or timezone.localdate()
    return (
        Batch.objects.select_related("stock__store", "stock__sku")
        .filter(quantity__gt=0, expires_on__isnull=False, expires_on__lte=today + timedelta(days=days))
        .order_by("expires_on", "pk")
    )


def list_expiring_on_shelf(*, today: date, days: int) -> QuerySet[Batch]:
    """Batches still on the shelf (stock left, not written off) expiring from `today` to `today + days`,
    by store, then first expiry first. Already expired ones are the write-off sweep's, not listed."""
    return (
        Batch.objects.select_related("stock__store", "stock__sku")
        .filter(
            quantity__gt=0,
            written_off_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .order_by("stock__store__code", "expires_on", "stock__sku__name", "code", "pk")
    )


def get_store_by_code(code: str) -> Store | None:
    return Store.objects.filter(code=code).first()


def reconcile_ledger() -> list[str]:
    """Every way stock, batches and reservations disagree with the movements ledger (empty: they agree)."""
    problems: list[str] = []
    ledger = {
        row["stock_id"]: row
        for row in Movement.objects.values("stock_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
    }
    held = {
        row["stock_id"]: row["total"]
        for row in ReservationLine.objects.filter(reservation__status=Reservation.Status.ACTIVE)
        .values("stock_id")
        .annotate(total=Sum("quantity"))
    }
    in_batches = {
        row["stock_id"]: row["total"] for row in Batch.objects.values("stock_id").annotate(total=Sum("quantity"))
    }
    for stock in Stock.objects.select_related("store", "sku").order_by("pk"):
        label = f"{stock.store.code}/{stock.sku.sku_code}"
        row = ledger.get(stock.pk, {"on_hand": 0, "reserved": 0})
        if stock.on_hand != row["on_hand"]:
            problems.append(f"{label}: on hand {stock.on_hand} but the ledger sums to {row['on_hand']}")
        if stock.reserved != row["reserved"]:
            problems.append(f"{label}: reserved {stock.reserved} but the ledger sums to {row['reserved']}")
        if stock.reserved != held.get(stock.pk, 0):
            problems.append(f"{label}: reserved {stock.reserved} but active reservations hold {held.get(stock.pk, 0)}")
        if stock.on_hand != in_batches.get(stock.pk, 0):
            problems.append(f"{label}: on hand {stock.on_hand} but its batches hold {in_batches.get(stock.pk, 0)}")
    batch_ledger = {
        row["batch_id"]: row["total"]
        for row in Movement.objects.filter(batch__isnull=False).values("batch_id").annotate(total=Sum("on_hand_delta"))
    }
    for batch in Batch.objects.order_by("pk"):
        if batch.quantity != batch_ledger.get(batch.pk, 0):
            problems.append(
                f"batch {batch.code}: holds {batch.quantity} but the ledger sums to {batch_ledger.get(batch.pk, 0)}"
            )
    return problems


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
