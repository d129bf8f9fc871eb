"""The events the delivery app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shop.events import Event, Paise, Pincode, Value

SlotMode = Literal["standard", "express"]
BookingFailure = Literal["full", "past_cutoff", "not_serviceable", "unknown_slot"]
PickOutcome = Literal["found", "short", "weighed", "replaced"]
DeliveryFailure = Literal["customer_unavailable", "address_not_found", "refused", "other"]


class FeeTier(Value):
    """Carts worth at least `min_cart_value_paise` pay `fee_paise` delivery (highest tier that applies)."""

    min_cart_value_paise: Paise
    fee_paise: Paise


class FeePolicy(Value):
    """How a zone prices delivery; the cart computes fees from this alone."""

    min_order_value_paise: Paise = Field(description="Carts below this cannot be ordered")
    fee_tiers: tuple[FeeTier, ...] = Field(description="Ascending by min_cart_value_paise; the first starts at 0")
    small_cart_threshold_paise: Paise = Field(description="Carts below this pay the small-cart fee")
    small_cart_fee_paise: Paise
    late_night_start: time | None = Field(default=None, description="Local (Asia/Kolkata) time the window opens")
    late_night_end: time | None = Field(default=None, description="Local time it closes; may be past midnight")
    late_night_fee_paise: Paise = 0
    express_fee_paise: Paise = 0


class ZoneConfigured(Event):
    """A zone was created or changed: its pincodes, its store and its whole fee policy."""

    name: ClassVar[str] = "delivery.zone_configured.v1"
    zone_id: UUID
    code: str
    title: str
    store_id: UUID
    pincodes: tuple[Pincode, ...]
    is_active: bool
    fee_policy: FeePolicy


class SlotOpened(Event):
    """A delivery slot can be chosen: published when it is created (and again if its window
    changes). What the cart needs to check a checkout's slot and to price it: its zone,
    mode (express costs the zone's express fee) and window (a start inside the zone's
    late-night window costs the late-night fee), and its cut-off. Keyed by slot_id.

    `capacity` (added later: none in events published before) is the slot's planned
    capacity, for reports (analytics' slot utilisation): only booking decides whether a
    slot is full, so the cart must not judge by it. Staff may change it, and the slot is
    announced again when they do."""

    name: ClassVar[str] = "delivery.slot_opened.v1"
    slot_id: UUID
    zone_id: UUID
    store_id: UUID
    mode: SlotMode
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime
    capacity: int | None = Field(default=None, ge=0, description="Orders the slot takes, as planned (reports only)")


class SlotBooked(Event):
    """A delivery slot was booked for an order."""

    name: ClassVar[str] = "delivery.slot_booked.v1"
    booking_id: UUID
    order_id: UUID
    slot_id: UUID
    zone_id: UUID
    store_id: UUID
    mode: SlotMode
    starts_at: datetime
    ends_at: datetime


class SlotBookingFailed(Event):
    """A slot could not be booked for an order, and why."""

    name: ClassVar[str] = "delivery.slot_booking_failed.v1"
    order_id: UUID
    slot_id: UUID
    reason: BookingFailure
    message: str


class SlotReleased(Event):
    """An order's slot booking was freed (order cancelled); its capacity is back."""

    name: ClassVar[str] = "delivery.slot_released.v1"
    booking_id: UUID
    order_id: UUID
    slot_id: UUID


class ShipmentLine(Value):
    """One line to pick: quantity in the SKU's base unit (pieces, grams, millilitres)."""

    line_id: UUID
    sku_id: UUID
    quantity: int = Field(gt=0)
    sold_by_weight: bool = False
    replacement_sku_id: UUID | None = Field(default=None, description="What may go in the line's place if short")


class ShipmentCreated(Event):
    """A confirmed order became a shipment at its store, with its pick list and tracking code."""

    name: ClassVar[str] = "delivery.shipment_created.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    slot_id: UUID | None
    tracking_code: str
    lines: tuple[ShipmentLine, ...]


class PickedLine(Value):
    """What picking found for a line: found (all), short (fewer), weighed (actual grams) or
    replaced (fewer, or none, and the order's replacement offer for the rest)."""

    line_id: UUID
    sku_id: UUID
    outcome: PickOutcome
    quantity_ordered: int = Field(gt=0)
    quantity_picked: int = Field(ge=0)
    replacement_sku_id: UUID | None = Field(default=None, description="Set when outcome is replaced")
    quantity_replaced: int = Field(default=0, ge=0, description="Of the replacement, in its base unit")


class ShipmentPicked(Event):
    """Every line of a shipment was picked; the final bill follows from these quantities."""

    name: ClassVar[str] = "delivery.shipment_picked.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    lines: tuple[PickedLine, ...]


class ShipmentPacked(Event):
    """The shipment is packed and waits for its rider."""

    name: ClassVar[str] = "delivery.shipment_packed.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    packed_at: datetime


class ShipmentOutForDelivery(Event):
    """A rider left the store with the shipment (attempt 1, or a retry)."""

    name: ClassVar[str] = "delivery.shipment_out_for_delivery.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    rider_id: UUID
    attempt: int = Field(ge=1)
    dispatched_at: datetime


class ShipmentDelivered(Event):
    """The rider handed the order over; for cash on delivery, with the cash collected."""

    name: ClassVar[str] = "delivery.shipment_delivered.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    delivered_at: datetime
    cash_collected_paise: Paise = 0
    # Added later (none in events published before, and for a shipment without a slot).
    promised_by: datetime | None = Field(
        default=None, description="The end of the shipment's delivery slot: delivered by then is on time"
    )


class ShipmentDeliveryFailed(Event):
    """A delivery attempt failed; staff retry it or return the shipment to the store."""

    name: ClassVar[str] = "delivery.shipment_delivery_failed.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    reason: DeliveryFailure
    attempt: int = Field(ge=1)
    failed_at: datetime


class ReturnedLine(Value):
    """What came back in the bag: a line's picked quantity (base units: packs, or grams)."""

    sku_id: UUID
    title: str
    quantity: int = Field(ge=0)
    sold_by_weight: bool = False


class ShipmentReturned(Event):
    """After a failed delivery the shipment went back to the store: the order is undeliverable.

    Added later (empty in events published before): the tracking code and what came back,
    so the store can put the sellable goods back on the shelf."""

    name: ClassVar[str] = "delivery.shipment_returned.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    returned_at: datetime
    tracking_code: str = ""
    lines: tuple[ReturnedLine, ...] = ()


class ShipmentCancelled(Event):
    """The order was cancelled while its shipment was still at the store: the shipment is
    called off. `lines` is what picking had put in its bag (empty if nothing was picked yet):
    off the shelf in inventory's books, for someone to put back."""

    name: ClassVar[str] = "delivery.shipment_cancelled.v1"
    shipment_id: UUID
    order_id: UUID
    store_id: UUID
    tracking_code: str = ""
    cancelled_at: datetime
    lines: tuple[ReturnedLine, ...] = ()
