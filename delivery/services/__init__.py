"""The delivery app's use cases: the only code that writes its tables."""

from .picking import MAX_PICK_QUANTITY, PickInput, record_pick
from .riders import ASSIGNABLE_STATES, assign_rider, create_rider, set_rider_availability, update_rider, validate_rider
from .shipments import (
    LineInput,
    cancel_shipment_for_order,
    create_shipment,
    deliver_shipment,
    dispatch_shipment,
    fail_delivery,
    pack_shipment,
    return_shipment,
    set_cash_to_collect,
)
from .slots import (
    MAX_CUTOFF_MINUTES,
    MAX_SLOT_CAPACITY,
    BookingOutcome,
    announce_open_slots,
    book_slot,
    generate_slots,
    release_slot,
    set_slot_capacity,
)
from .zones import configure_zone, deactivate_slot_template, record_store, set_slot_template, validate_zone

__all__ = [
    "ASSIGNABLE_STATES",
    "MAX_CUTOFF_MINUTES",
    "MAX_PICK_QUANTITY",
    "MAX_SLOT_CAPACITY",
    "BookingOutcome",
    "LineInput",
    "PickInput",
    "announce_open_slots",
    "assign_rider",
    "book_slot",
    "cancel_shipment_for_order",
    "configure_zone",
    "create_rider",
    "create_shipment",
    "deactivate_slot_template",
    "deliver_shipment",
    "dispatch_shipment",
    "fail_delivery",
    "generate_slots",
    "pack_shipment",
    "record_pick",
    "record_store",
    "release_slot",
    "return_shipment",
    "set_cash_to_collect",
    "set_rider_availability",
    "set_slot_capacity",
    "set_slot_template",
    "update_rider",
    "validate_rider",
    "validate_zone",
]
