"""Shipments: created for a confirmed order, picked, packed, out for delivery, delivered or failed."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_args
from uuid import UUID

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shop.accounts.validators import validate_pincode
from shop.db import create_or_get, one_or_none
from shop.eventbus import publish
from shop.money import format_inr

from .. import events
from ..errors import IllegalTransition, WrongCash
from ..models import Shipment, ShipmentLine, Slot, SlotBooking, Store, Zone
from ..models.shipments import TRANSITIONS, PaymentMethod, ShipmentStatus

log = structlog.get_logger("delivery")

# No 0/O, 1/I/L: codes are read out over the phone.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class LineInput:
    """A line of a confirmed order: quantity in the SKU's base unit, and what may go in its place
    if it is short (the order's offer; none: the shortfall is refunded)."""

    sku_id: UUID
    title: str
    quantity: int
    sold_by_weight: bool = False
    replacement_sku_id: UUID | None = None
    replacement_title: str = ""


def new_tracking_code() -> str:
    return "DL" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def _validate_new(
    *, lines: Sequence[LineInput], payment_method: str, cod_amount_paise: int, pincode: str, store_id: UUID
) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = ["A shipment has at least one line."]
    elif any(line.quantity <= 0 for line in lines):
        errors["lines"] = ["Every quantity is a positive number of base units."]
    elif len({line.sku_id for line in lines}) != len(lines):
        errors["lines"] = ["Each SKU appears once."]
    if payment_method not in PaymentMethod.values:
        errors["payment_method"] = [f"Payment method must be one of {', '.join(PaymentMethod.values)}."]
    elif cod_amount_paise < 0 or (payment_method == PaymentMethod.PREPAID and cod_amount_paise):
        errors["cod_amount_paise"] = ["Cash to collect is a non-negative amount, and only for cash on delivery."]
    try:
        validate_pincode(pincode)
    except ValidationError as exc:
        errors["pincode"] = list(exc.messages)
    if not Store.objects.filter(store_id=store_id).exists():
        errors["store_id"] = ["No such store."]
    if errors:
        raise ValidationError(errors)


def _offer(line: LineInput) -> dict[str, Any]:
    """The line's replacement fields. An offer of the line's own SKU is no replacement (more of
    what is missing): the line has none, rather than the whole order never reaching the store."""
    if line.replacement_sku_id is None or line.replacement_sku_id == line.sku_id:
        return {"replacement_sku_id": None, "replacement_title": ""}
    # The pick list names the offer; one that came without a name still shows as something.
    title = line.replacement_title.strip() or f"SKU {line.replacement_sku_id}"
    return {"replacement_sku_id": line.replacement_sku_id, "replacement_title": title[:200]}


def create_shipment(
    *,
    order_id: UUID,
    customer_id: UUID,
    store_id: UUID,
    lines: Sequence[LineInput],
    payment_method: str,
    recipient_name: str,
    address: str,
    pincode: str,
    recipient_phone: str = "",
    cod_amount_paise: int = 0,
    slot_id: UUID | None = None,
) -> Shipment:
    """Open the shipment of a confirmed order with its pick list; idempotent per order.

    Without `slot_id` the shipment takes the slot the order booked, if any.
    """
    existing = one_or_none(Shipment.objects.filter(order_id=order_id))
    if existing is not None:
        return existing
    _validate_new(
        lines=lines,
        payment_method=payment_method,
        cod_amount_paise=cod_amount_paise,
        pincode=pincode,
        store_id=store_id,
    )
    if slot_id is not None:
        slot = one_or_none(Slot.objects.select_related("zone").filter(pk=slot_id))
        if slot is None:
            raise ValidationError({"slot_id": ["No such slot."]})
    else:  # the slot the order booked, if it did
        booking = one_or_none(
            SlotBooking.objects.select_related("slot__zone").filter(order_id=order_id, status=SlotBooking.Status.BOOKED)
        )
        slot = booking.slot if booking else None
    zone = slot.zone if slot else Zone.objects.filter(pincodes__pincode=pincode).first()
    # Checked and read above (ValidationError raised before any write, so a caller that
    # catches it goes on in its own transaction); the writes need no savepoint.
    with transaction.atomic(savepoint=False):
        shipment, new = create_or_get(
            Shipment,
            {"order_id": order_id},
            customer_id=customer_id,
            store_id=store_id,
            slot=slot,
            zone=zone,
            tracking_code=new_tracking_code(),
            payment_method=payment_method,
            cod_amount_paise=cod_amount_paise,
            recipient_name=recipient_name,
            recipient_phone=recipient_phone,
            address=address,
            pincode=pincode,
        )
        if not new:  # a concurrent call for the same order won
            return shipment
        created = ShipmentLine.objects.bulk_create(
            [
                ShipmentLine(
                    shipment=shipment,
                    sku_id=line.sku_id,
                    title=line.title,
                    quantity=line.quantity,
                    sold_by_weight=line.sold_by_weight,
                    **_offer(line),
                )
                for line in lines
            ]
        )
        publish(
            events.ShipmentCreated(
                shipment_id=shipment.id,
                order_id=order_id,
                store_id=store_id,
                slot_id=slot.id if slot else None,
                tracking_code=shipment.tracking_code,
                lines=tuple(
                    events.ShipmentLine(
                        line_id=line.id,
                        sku_id=line.sku_id,
                        quantity=line.quantity,
                        sold_by_weight=line.sold_by_weight,
                        replacement_sku_id=line.replacement_sku_id,
                    )
                    for line in created
                ),
            ),
            key=order_id,
        )
        return shipment


def move(shipment_id: UUID, to: ShipmentStatus, verb: str) -> Shipment:
    """Lock the shipment and check the state machine allows `to`; the caller saves."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    if to not in TRANSITIONS[shipment.status]:
        sources = [ShipmentStatus(s).label.lower() for s, targets in TRANSITIONS.items() if to in targets]
        raise IllegalTransition(
            f"Shipment {shipment.tracking_code} cannot be {verb}: it is {shipment.get_status_display().lower()}, "
            f"and must be {' or '.join(sources)} first."
        )
    shipment.status = to
    return shipment


@transaction.atomic
def pack_shipment(*, shipment_id: UUID) -> Shipment:
    """The picked order is bagged and sealed (not an empty bag: nothing picked, the order is called off)."""
    shipment = move(shipment_id, ShipmentStatus.PACKED, "packed")
    # A line replaced in full (none of its own SKU) still put something in the bag.
    if not shipment.lines.filter(Q(quantity_picked__gt=0) | Q(quantity_replaced__gt=0)).exists():
        raise IllegalTransition(
            f"Nothing was picked for shipment {shipment.tracking_code}: there is nothing to pack; "
            "the order is cancelled and its customer refunded."
        )
    shipment.packed_at = timezone.now()
    shipment.save(update_fields=["status", "packed_at"])
    publish(
        events.ShipmentPacked(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            packed_at=shipment.packed_at,
        ),
        key=shipment.order_id,
    )
    return shipment


@transaction.atomic
def dispatch_shipment(*, shipment_id: UUID) -> Shipment:
    """The assigned rider leaves with the shipment (first attempt, or a retry after a failure)."""
    shipment = move(shipment_id, ShipmentStatus.OUT_FOR_DELIVERY, "sent out for delivery")
    _refuse_if_order_cancelled(shipment, "sent out again")
    if shipment.rider_id is None:
        raise IllegalTransition(f"Shipment {shipment.tracking_code} has no rider yet; assign one first.")
    if shipment.cash_total_pending:
        raise IllegalTransition(
            f"Shipment {shipment.tracking_code} waits for the order's new total after picking (items were short), "
            "so the rider knows what cash to collect; try again in a moment."
        )
    shipment.attempts += 1
    shipment.dispatched_at = timezone.now()
    shipment.failure_reason = ""
    shipment.save(update_fields=["status", "attempts", "dispatched_at", "failure_reason"])
    publish(
        events.ShipmentOutForDelivery(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            rider_id=shipment.rider_id,
            attempt=shipment.attempts,
            dispatched_at=shipment.dispatched_at,
        ),
        key=shipment.order_id,
    )
    return shipment


def _refuse_if_order_cancelled(shipment: Shipment, verb: str) -> None:
    if shipment.order_cancelled:
        raise IllegalTransition(
            f"Shipment {shipment.tracking_code} cannot be {verb}: its order was cancelled. Bring it back to the "
            "store: record a failed attempt (reason 'other') if it is still out, then return it."
        )


def _check_cash(shipment: Shipment, cash_collected_paise: int | None) -> int:
    """The cash to record at the door: exactly the amount due for cash on delivery, none for prepaid."""
    entered = format_inr(cash_collected_paise or 0)
    if shipment.payment_method != PaymentMethod.COD:
        if cash_collected_paise:
            raise WrongCash(f"This order was prepaid: collect no cash ({entered} was entered).")
        return 0
    due = shipment.cod_amount_paise
    if cash_collected_paise is None and due:
        raise WrongCash(f"Collect {format_inr(due)} in cash and enter the amount collected.")
    if (cash_collected_paise or 0) != due:
        raise WrongCash(f"Collect {format_inr(due)} in cash: {entered} was entered.")
    return due


@transaction.atomic
def deliver_shipment(*, shipment_id: UUID, cash_collected_paise: int | None = None) -> Shipment:
    """Handed over at the door; cash on delivery records the cash collected, which must be the amount due.

    The amount due is the order's total at confirmation, then its total after picking
    (`set_cash_to_collect`). Any other amount, or cash for a prepaid order, raises
    WrongCash and writes nothing.
    """
    shipment = move(shipment_id, ShipmentStatus.DELIVERED, "delivered")
    _refuse_if_order_cancelled(shipment, "handed over")
    shipment.cash_collected_paise = _check_cash(shipment, cash_collected_paise)
    shipment.delivered_at = timezone.now()
    shipment.save(update_fields=["status", "cash_collected_paise", "delivered_at"])
    publish(
        events.ShipmentDelivered(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            delivered_at=shipment.delivered_at,
            cash_collected_paise=shipment.cash_collected_paise,
            # The promise: by the end of the booked window (one read, once per shipment).
            promised_by=shipment.slot.ends_at if shipment.slot is not None else None,
        ),
        key=shipment.order_id,
    )
    return shipment


@transaction.atomic
def fail_delivery(*, shipment_id: UUID, reason: str) -> Shipment:
    """The attempt failed at the door (customer unavailable, address not found ...)."""
    allowed = get_args(events.DeliveryFailure)
    if reason not in allowed:
        raise ValidationError({"reason": [f"Reason must be one of {', '.join(allowed)}."]})
    shipment = move(shipment_id, ShipmentStatus.FAILED, "marked failed")
    shipment.failure_reason = reason
    shipment.failed_at = timezone.now()
    shipment.save(update_fields=["status", "failure_reason", "failed_at"])
    publish(
        events.ShipmentDeliveryFailed(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            reason=reason,
            attempt=shipment.attempts,
            failed_at=shipment.failed_at,
        ),
        key=shipment.order_id,
    )
    return shipment


@transaction.atomic
def return_shipment(*, shipment_id: UUID) -> Shipment:
    """After a failed attempt, give up: the shipment goes back to the store."""
    shipment = move(shipment_id, ShipmentStatus.RETURNED, "returned")
    shipment.returned_at = timezone.now()
    shipment.save(update_fields=["status", "returned_at"])
    publish(
        events.ShipmentReturned(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            returned_at=shipment.returned_at,
            tracking_code=shipment.tracking_code,
            lines=_in_the_bag(shipment),
        ),
        key=shipment.order_id,
    )
    return shipment


def _in_the_bag(shipment: Shipment) -> tuple[events.ReturnedLine, ...]:
    """What picking put in the bag, per SKU: each line's own goods, and the replacement that went
    in a short line's place as a line of its own (added up where it is also another line's SKU)."""
    found: dict[tuple[UUID, bool], events.ReturnedLine] = {}

    def add(sku_id: UUID, title: str, quantity: int, sold_by_weight: bool) -> None:
        before = found.get((sku_id, sold_by_weight))
        found[(sku_id, sold_by_weight)] = events.ReturnedLine(
            sku_id=sku_id,
            title=before.title if before else title,
            quantity=quantity + (before.quantity if before else 0),
            sold_by_weight=sold_by_weight,
        )

    lines = list(shipment.lines.order_by("title", "id"))
    for line in lines:
        if line.quantity_picked:
            add(line.sku_id, line.title, line.quantity_picked, line.sold_by_weight)
    for line in lines:
        if line.quantity_replaced and line.replacement_sku_id is not None:
            add(line.replacement_sku_id, line.replacement_title, line.quantity_replaced, line.sold_by_weight)
    return tuple(sorted(found.values(), key=lambda returned: (returned.title, str(returned.sku_id))))


@transaction.atomic
def cancel_shipment_for_order(*, order_id: UUID) -> Shipment | None:
    """The order was cancelled: a shipment still at the store is cancelled; idempotent, None if
    there is no shipment. One that already ended (delivered, returned: the return is what
    cancelled the order) keeps its state, and one on the road is the rider's to bring back
    (failed, then returned): refusing would only make the bus retry, and roll back the
    slot's release with it."""
    shipment = one_or_none(Shipment.objects.filter(order_id=order_id))
    if shipment is None or shipment.status == ShipmentStatus.CANCELLED:
        return shipment
    if ShipmentStatus.CANCELLED not in TRANSITIONS[shipment.status]:
        log.info("cancelled_order_shipment_kept", order_id=str(order_id), shipment_status=shipment.status)
        if shipment.status in (ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.FAILED):
            # On the road (or between attempts): it must come back, never reach the door.
            Shipment.objects.filter(pk=shipment.pk).update(order_cancelled=True)
            shipment.order_cancelled = True
        return shipment
    picked = shipment.status in (ShipmentStatus.PICKED, ShipmentStatus.PACKED)
    shipment = move(shipment.pk, ShipmentStatus.CANCELLED, "cancelled")
    shipment.cancelled_at = timezone.now()
    shipment.save(update_fields=["status", "cancelled_at"])
    publish(
        events.ShipmentCancelled(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            store_id=shipment.store_id,
            tracking_code=shipment.tracking_code,
            cancelled_at=shipment.cancelled_at,
            lines=_in_the_bag(shipment) if picked else (),
        ),
        key=shipment.order_id,
    )
    return shipment


#: Before the rider hands the parcel over, the amount to collect may still change.
_COLLECT_ADJUSTABLE = frozenset(
    {ShipmentStatus.PENDING, ShipmentStatus.PICKED, ShipmentStatus.PACKED, ShipmentStatus.OUT_FOR_DELIVERY}
)


@transaction.atomic
def set_cash_to_collect(*, order_id: UUID, amount_paise: int) -> Shipment | None:
    """A cash-on-delivery order's total changed after picking: the rider collects the new total
    (and may leave: see dispatch_shipment).

    Idempotent; None when the order has no shipment. A shipment already delivered (or
    gone back) keeps what was recorded at the door.
    """
    if amount_paise < 0:
        raise ValidationError({"amount_paise": ["Cash to collect is a non-negative amount."]})
    shipment = one_or_none(Shipment.objects.select_for_update().filter(order_id=order_id))
    if shipment is None or shipment.payment_method != PaymentMethod.COD:
        return shipment
    if shipment.status in _COLLECT_ADJUSTABLE and (shipment.cod_amount_paise, shipment.cash_total_pending) != (
        amount_paise,
        False,
    ):
        shipment.cod_amount_paise, shipment.cash_total_pending = amount_paise, False
        shipment.save(update_fields=["cod_amount_paise", "cash_total_pending"])
    return shipment
