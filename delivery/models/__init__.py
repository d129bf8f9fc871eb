"""The delivery app's tables: store projection, zones, slots, bookings, riders, shipments."""

from .shipments import Rider, Shipment, ShipmentLine
from .slots import Slot, SlotBooking, SlotTemplate
from .zones import Store, Zone, ZonePincode

__all__ = [
    "Rider",
    "Shipment",
    "ShipmentLine",
    "Slot",
    "SlotBooking",
    "SlotTemplate",
    "Store",
    "Zone",
    "ZonePincode",
]
