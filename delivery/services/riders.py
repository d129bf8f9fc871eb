"""Riders of a store, and giving a shipment to the least-loaded rider on shift."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from shop.accounts import selectors as account_selectors

from .. import selectors
from ..errors import IllegalTransition, NoRiderAvailable
from ..models import Rider, Shipment, Store
from ..models.shipments import ACTIVE_STATES, ShipmentStatus

# A rider can be (re)assigned until the shipment leaves the store.
ASSIGNABLE_STATES = (ShipmentStatus.PENDING, ShipmentStatus.PICKED, ShipmentStatus.PACKED, ShipmentStatus.FAILED)


def validate_rider(
    *, store_id: UUID, name: str, user_id: UUID | None = None, rider_id: UUID | None = None, is_active: bool = True
) -> None:
    """Refuse a rider that cannot be: no name, an unknown store, a user that does not exist (new riders),
    or a rider moved to another store or deactivated while carrying shipments (they would be stranded)."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["A rider has a name."]
    if not Store.objects.filter(store_id=store_id).exists():
        errors["store_id"] = ["No store with this id is known to delivery (inventory announces stores)."]
    if user_id is not None and account_selectors.get_contact(user_id=user_id) is None:
        errors["user_id"] = ["No active user has this id; create the rider's user account first."]
    if rider_id is not None:
        rider = Rider.objects.get(pk=rider_id)
        carrying = list(
            rider.shipments.filter(status__in=ACTIVE_STATES)
            .order_by("created_at")
            .values_list("tracking_code", flat=True)
        )
        if carrying and (store_id != rider.store_id or not is_active):
            change = "moved to another store" if store_id != rider.store_id else "deactivated"
            errors["store_id" if store_id != rider.store_id else "is_active"] = [
                f"{rider.name} carries {len(carrying)} shipment(s) ({', '.join(carrying)}): assign them to another "
                f"rider or finish them before the rider is {change}."
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_rider(*, user_id: UUID, store_id: UUID, name: str, phone: str = "") -> Rider:
    """Make an existing user a rider of a known store (or move an existing rider there)."""
    existing = Rider.objects.select_for_update().filter(user_id=user_id).first()
    validate_rider(store_id=store_id, name=name, user_id=user_id, rider_id=existing.pk if existing else None)
    rider, _ = Rider.objects.update_or_create(
        user_id=user_id, defaults={"store_id": store_id, "name": name.strip(), "phone": phone, "is_active": True}
    )
    return rider


@transaction.atomic
def update_rider(
    *, rider_id: UUID, store_id: UUID, name: str, phone: str, is_active: bool, is_available: bool
) -> Rider:
    """Staff edit a rider: name, phone, store, employed or not, on shift or not (the user stays the same).
    An inactive rider is never assigned a shipment (assign_rider) and cannot use the rider API."""
    rider = Rider.objects.select_for_update().get(pk=rider_id)
    validate_rider(store_id=store_id, name=name, rider_id=rider.pk, is_active=is_active)
    rider.store_id, rider.name, rider.phone = store_id, name.strip(), phone.strip()
    rider.is_active, rider.is_available = is_active, is_available
    rider.save(update_fields=["store_id", "name", "phone", "is_active", "is_available"])
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
    if shipment.status not in ASSIGNABLE_STATES:
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
