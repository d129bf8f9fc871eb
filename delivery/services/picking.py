"""Picking: what the picker found for every line of a shipment (found, short, weighed)."""

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
    """What the picker found for one line."""

    line_id: UUID
    outcome: str
    quantity_picked: int | None = None


def _check_pick(line: ShipmentLine, pick: PickInput) -> int:
    """The quantity picked for a line, or a ValidationError saying why the pick is wrong."""
    qty = pick.quantity_picked
    if pick.outcome == PickOutcome.FOUND:
        if qty not in (None, line.quantity):
            raise ValidationError({"lines": [f"{line.title}: found means all {line.quantity}; use short."]})
        return line.quantity
    if pick.outcome == PickOutcome.SHORT:
        if qty is None or not 0 <= qty < line.quantity:
            raise ValidationError(
                {"lines": [f"{line.title}: short needs the quantity found, 0 to {line.quantity - 1}."]}
            )
        return qty
    if pick.outcome == PickOutcome.WEIGHED:
        if not line.sold_by_weight:
            raise ValidationError({"lines": [f"{line.title} is sold by the piece, not weighed."]})
        if qty is None or qty <= 0:
            raise ValidationError({"lines": [f"{line.title}: weighed needs the actual grams, above 0."]})
        tolerance = weigh_tolerance_percent()
        most = min(line.quantity * tolerance // 100, MAX_PICK_QUANTITY)
        if qty > most:
            raise ValidationError(
                {
                    "lines": [
                        f"{line.title}: {qty} g weighed is more than {most} g, {tolerance} % of the {line.quantity} g "
                        "ordered; weigh again and take some off."
                    ]
                }
            )
        return qty
    raise ValidationError({"lines": [f"{line.title}: outcome must be found, short or weighed."]})


@transaction.atomic
def record_pick(*, shipment_id: UUID, picks: Sequence[PickInput]) -> Shipment:
    """Record what was found for every line (found, short, weighed) and mark the shipment picked."""
    shipment = move(shipment_id, ShipmentStatus.PICKED, "picked")
    lines = {line.id: line for line in shipment.lines.all()}
    by_line = {pick.line_id: pick for pick in picks}
    if len(by_line) != len(picks) or set(by_line) != set(lines):
        raise ValidationError({"lines": ["Give exactly one outcome for every line of the shipment."]})
    for line_id, line in lines.items():
        line.quantity_picked = _check_pick(line, by_line[line_id])
        line.outcome = by_line[line_id].outcome
    ShipmentLine.objects.bulk_update(list(lines.values()), ["outcome", "quantity_picked"])
    shipment.picked_at = timezone.now()
    # Less than ordered makes the order's total fall (orders announces it, OrderAdjusted):
    # until it arrives, a cash-on-delivery rider would collect the old total.
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
                )
                for line in sorted(lines.values(), key=lambda line: (line.title, str(line.id)))
            ),
        ),
        key=shipment.order_id,
    )
    return shipment
