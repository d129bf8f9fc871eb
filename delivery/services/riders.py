"""Riders of a store, and giving a shipment to the least-loaded rider on shift."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import selectors
from ..errors import IllegalTransition, NoRiderAvailable
from ..models import Rider, Shipment
from ..models.shipments import ShipmentStatus

# A rider can be (re)assigned until the shipment leaves the store.
_ASSIGNABLE = (ShipmentStatus.PENDING, ShipmentStatus.PICKED, ShipmentStatus.PACKED, ShipmentStatus.FAILED)


@transaction.atomic
def create_rider(*, user_id: UUID, store_id: UUID, name: str, phone: str = "") -> Rider:
    """Make a user a rider of a store (or move an existing rider there)."""
    if not name.strip():
        raise ValidationError({"name": ["A rider has a name."]})
    rider, _ = Rider.objects.update_or_create(
        user_id=user_id, defaults={"store_id": store_id, "name": name.strip(), "phone": phone, "is_active": True}
    )
    return rider


@transaction.atomic
def set_rider_availability(*, rider_id: UUID, is_available: bool) -> Rider:
    """A rider starts or ends their shift."""
    rider = Rider.objects.select_for_update().get(pk=rider_id)
    rider.is_available = is_available
    rider.save(update_fields=["is_available"])
    return rider


@transaction.atomic
def assign_rider(*, shipment_id: UUID, rider_id: UUID | None = None) -> Shipment:
    """Give a shipment to a rider of its store: the one named, or the least-loaded one on shift."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    if shipment.status not in _ASSIGNABLE:
        raise IllegalTransition(
            f"Shipment {shipment.tracking_code} is {shipment.get_status_display().lower()}; "
            "a rider can be assigned only before it leaves the store."
        )
    # Lock the store's riders (in primary-key order) so two concurrent assignments
    # see each other's load and do not both pick the same idle rider.
    list(Rider.objects.select_for_update().filter(store_id=shipment.store_id).order_by("pk").values_list("pk"))
    if rider_id is not None:
        rider = Rider.objects.filter(pk=rider_id, is_active=True).first()
        if rider is None or rider.store_id != shipment.store_id:
            raise ValidationError({"rider_id": ["No active rider of this shipment's store has that id."]})
    else:
        rider = selectors.rider_loads(store_id=shipment.store_id).first()
        if rider is None:
            raise NoRiderAvailable("No rider of this store is on shift.")
    shipment.rider = rider
    shipment.save(update_fields=["rider"])
    return shipment
