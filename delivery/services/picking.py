"""Picking: what the picker found for every line of a shipment (found, short, weighed, or short
and made up with the order's replacement offer: replaced)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shop.eventbus import publish

from .. import events
from ..models import Shipment, ShipmentLine
from ..models.shipments import PaymentMethod, PickOutcome, ShipmentStatus
from .shipments import move

#: The largest quantity a pick may report for one line, in base units (a tonne of grams):
#: far above any order, and far below the 32-bit columns downstream.
MAX_PICK_QUANTITY = 1_000_000


def weigh_tolerance_percent() -> int:
    """How far above the ordered grams a weighed line may come out (120: up to 1.2 times the order)."""
    return int(getattr(settings, "DELIVERY_WEIGH_TOLERANCE_PERCENT", 120))


@dataclass(frozen=True)
class PickInput:
    """What the picker found for one line; for "replaced", also how much of the line's
    replacement went in its place (packs, or grams for a line sold by weight)."""

    line_id: UUID
    outcome: str
    quantity_picked: int | None = None
    quantity_replaced: int | None = None


def _refuse(message: str) -> ValidationError:
    return ValidationError({"lines": [message]})


def _unit(line: ShipmentLine) -> str:
    return " g" if line.sold_by_weight else ""


def _check_pick(line: ShipmentLine, pick: PickInput) -> tuple[int, int | None]:
    """The quantities picked for a line (of its own SKU, of its replacement: None unless replaced),
    or a ValidationError saying why the pick is wrong."""
    qty = pick.quantity_picked
    if pick.outcome == PickOutcome.REPLACED:
        return _check_replaced(line, pick)
    if pick.quantity_replaced:
        raise _refuse(
            f"{line.title}: {pick.quantity_replaced}{_unit(line)} of a replacement given, but the outcome is "
            f"{pick.outcome}; only a replaced line takes a replacement quantity (choose replaced, or leave it empty)."
        )
    if pick.outcome == PickOutcome.FOUND:
        if qty not in (None, line.quantity):
            raise _refuse(f"{line.title}: found means all {line.quantity}; use short.")
        return line.quantity, None
    if pick.outcome == PickOutcome.SHORT:
        if qty is None or not 0 <= qty < line.quantity:
            raise _refuse(f"{line.title}: short needs the quantity found, 0 to {line.quantity - 1}.")
        return qty, None
    if pick.outcome == PickOutcome.WEIGHED:
        if not line.sold_by_weight:
            raise _refuse(f"{line.title} is sold by the piece, not weighed.")
        if qty is None or qty <= 0:
            raise _refuse(f"{line.title}: weighed needs the actual grams, above 0.")
        tolerance = weigh_tolerance_percent()
        most = min(line.quantity * tolerance // 100, MAX_PICK_QUANTITY)
        if qty > most:
            raise _refuse(
                f"{line.title}: {qty} g weighed is more than {most} g, {tolerance} % of the {line.quantity} g "
                "ordered; weigh again and take some off."
            )
        return qty, None
    raise _refuse(f"{line.title}: outcome must be found, short, weighed or replaced.")


def _check_replaced(line: ShipmentLine, pick: PickInput) -> tuple[int, int]:
    """A short line made up with its offer: some (or none) of its own SKU, and for the shortfall at
    most as many packs of the replacement, or as many grams as a weighed line may come out at."""
    if line.replacement_sku_id is None:
        raise _refuse(f"{line.title}: replaced, but no replacement was offered for it; use short.")
    qty, replaced = pick.quantity_picked, pick.quantity_replaced
    if qty is None or not 0 <= qty < line.quantity:
        raise _refuse(
            f"{line.title}: replaced needs the quantity found of {line.title} itself, 0 to {line.quantity - 1}"
            f"{_unit(line)}."
        )
    shortfall = line.quantity - qty
    if line.sold_by_weight:
        tolerance = weigh_tolerance_percent()
        most = min(shortfall * tolerance // 100, MAX_PICK_QUANTITY)
        limit = f"{most} g ({tolerance} % of the {shortfall} g short)"
    else:
        most = min(shortfall, MAX_PICK_QUANTITY)
        limit = f"{most} (the {shortfall} short)" if most < shortfall else f"the {shortfall} short"
    if replaced is None or not 0 < replaced <= most:
        given = "none" if replaced is None else f"{replaced}{_unit(line)}"
        raise _refuse(
            f"{line.title}: replaced needs how much of {line.replacement_title} went in its place, "
            f"above 0 and at most {limit} ({given} given)."
        )
    return qty, replaced


@transaction.atomic
def record_pick(*, shipment_id: UUID, picks: Sequence[PickInput]) -> Shipment:
    """Record what was found for every line (found, short, weighed, replaced) and mark the shipment picked."""
    shipment = move(shipment_id, ShipmentStatus.PICKED, "picked")
    lines = {line.id: line for line in shipment.lines.all()}
    by_line = {pick.line_id: pick for pick in picks}
    if len(by_line) != len(picks) or set(by_line) != set(lines):
        raise ValidationError({"lines": ["Give exactly one outcome for every line of the shipment."]})
    for line_id, line in lines.items():
        line.quantity_picked, line.quantity_replaced = _check_pick(line, by_line[line_id])
        line.outcome = by_line[line_id].outcome
    ShipmentLine.objects.bulk_update(list(lines.values()), ["outcome", "quantity_picked", "quantity_replaced"])
    shipment.picked_at = timezone.now()
    # Less than ordered makes the order's total change (orders announces it, OrderAdjusted; a
    # replaced line too, charged at its offer's price): until it arrives, a cash-on-delivery
    # rider would collect the old total.
    shipment.cash_total_pending = shipment.payment_method == PaymentMethod.COD and any(
        (line.quantity_picked or 0) < line.quantity for line in lines.values()
    )
    shipment.save(update_fields=["status", "picked_at", "cash_total_pending"])
    publish(
        events.ShipmentPicked(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            lines=tuple(
                events.PickedLine(
                    line_id=line.id,
                    sku_id=line.sku_id,
                    outcome=line.outcome,
                    quantity_ordered=line.quantity,
                    quantity_picked=line.quantity_picked or 0,
                    replacement_sku_id=line.replacement_sku_id if line.quantity_replaced else None,
                    quantity_replaced=line.quantity_replaced or 0,
                )
                for line in sorted(lines.values(), key=lambda line: (line.title, str(line.id)))
            ),
        ),
        key=shipment.order_id,
    )
    return shipment
