"""Order use cases: placing, the checkout saga, fulfilment and cancellation."""

from .cancellation import cancel_expired_orders, cancel_order
from .fulfilment import (
    PickedLineInput,
    record_delivered,
    record_delivery_failed,
    record_out_for_delivery,
    record_packed,
    record_picked,
    record_refund,
    record_shipment_created,
    record_shipment_returned,
)
from .placement import LineInput, OfferInput, place_order
from .saga import (
    record_payment_captured,
    record_payment_failed,
    record_payment_requested,
    record_slot_booked,
    record_slot_failed,
    record_slot_released,
    record_stock_committed,
    record_stock_expired,
    record_stock_failed,
    record_stock_released,
    record_stock_reserved,
)
from .state import STAFF_CANCELLABLE, IllegalTransition
from .stores import record_store

__all__ = [
    "STAFF_CANCELLABLE",
    "IllegalTransition",
    "LineInput",
    "OfferInput",
    "PickedLineInput",
    "cancel_expired_orders",
    "cancel_order",
    "place_order",
    "record_delivered",
    "record_delivery_failed",
    "record_out_for_delivery",
    "record_packed",
    "record_payment_captured",
    "record_payment_failed",
    "record_payment_requested",
    "record_picked",
    "record_refund",
    "record_shipment_created",
    "record_shipment_returned",
    "record_slot_booked",
    "record_slot_failed",
    "record_slot_released",
    "record_stock_committed",
    "record_stock_expired",
    "record_stock_failed",
    "record_stock_released",
    "record_stock_reserved",
    "record_store",
]
