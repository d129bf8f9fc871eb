"""Stores (projected from inventory), zones and their fee policy, slot templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shop.accounts.validators import validate_pincode
from shop.eventbus import publish

from .. import selectors
from ..events import FeePolicy, ZoneConfigured
from ..models import SlotTemplate, Store, Zone, ZonePincode
from ..models.slots import SlotMode
from .slots import MAX_CUTOFF_MINUTES, MAX_SLOT_CAPACITY


@transaction.atomic
def record_store(*, store_id: UUID, code: str, title: str, city: str, pincode: str, is_open: bool) -> Store:
    """Keep the projection of a store as inventory last announced it."""
    store, _ = Store.objects.update_or_create(
        store_id=store_id,
        defaults={"code": code, "title": title, "city": city, "pincode": pincode, "is_open": is_open},
    )
    return store


def _clean_pincodes(pincodes: Sequence[str]) -> list[str]:
    cleaned = sorted({p.strip() for p in pincodes})
    if not cleaned:
        raise ValidationError({"pincodes": ["A zone serves at least one pincode."]})
    bad = []
    for pincode in cleaned:
        try:
            validate_pincode(pincode)
        except ValidationError:
            bad.append(pincode)
    if bad:
        raise ValidationError({"pincodes": [f"Not a valid 6-digit Indian pincode: {', '.join(bad)}."]})
    return cleaned


def _check_policy(policy: FeePolicy) -> None:
    tiers = [tier.min_cart_value_paise for tier in policy.fee_tiers]
    if not tiers or tiers[0] != 0 or tiers != sorted(set(tiers)):
        raise ValidationError({"fee_tiers": ["Fee tiers must start at 0 and ascend strictly by cart value."]})
    if (policy.late_night_start is None) != (policy.late_night_end is None):
        raise ValidationError({"late_night_start": ["Give both ends of the late-night window, or neither."]})
    if policy.late_night_start is not None and policy.late_night_start == policy.late_night_end:
        raise ValidationError({"late_night_end": ["The late-night window cannot be empty."]})


def validate_zone(*, code: str, store_id: UUID, pincodes: Sequence[str], fee_policy: FeePolicy) -> list[str]:
    """Check a zone's configuration without writing; returns its pincodes, cleaned and sorted."""
    cleaned = _clean_pincodes(pincodes)
    _check_policy(fee_policy)
    if not Store.objects.filter(store_id=store_id).exists():
        raise ValidationError({"store_id": ["No such store (stores come from inventory's store events)."]})
    clashes = sorted(
        ZonePincode.objects.filter(pincode__in=cleaned).exclude(zone__code=code).values_list("pincode", flat=True)
    )
    if clashes:
        raise ValidationError({"pincodes": [f"Already served by another zone: {', '.join(clashes)}."]})
    return cleaned


@transaction.atomic
def configure_zone(
    *,
    code: str,
    title: str,
    store_id: UUID,
    pincodes: Sequence[str],
    fee_policy: FeePolicy,
    is_active: bool = True,
) -> Zone:
    """Create or change a zone (by code): its store, pincodes and fee policy; announces it."""
    cleaned = validate_zone(code=code, store_id=store_id, pincodes=pincodes, fee_policy=fee_policy)
    zone = Zone.objects.select_for_update().filter(code=code).first() or Zone(code=code)

    zone.title = title
    zone.store_id = store_id
    zone.is_active = is_active
    zone.min_order_value_paise = fee_policy.min_order_value_paise
    zone.fee_tiers = [tier.model_dump() for tier in fee_policy.fee_tiers]
    zone.small_cart_threshold_paise = fee_policy.small_cart_threshold_paise
    zone.small_cart_fee_paise = fee_policy.small_cart_fee_paise
    zone.late_night_start = fee_policy.late_night_start
    zone.late_night_end = fee_policy.late_night_end
    zone.late_night_fee_paise = fee_policy.late_night_fee_paise
    zone.express_fee_paise = fee_policy.express_fee_paise
    zone.full_clean()
    zone.save()
    zone.pincodes.exclude(pincode__in=cleaned).delete()
    existing = set(zone.pincodes.values_list("pincode", flat=True))
    try:
        ZonePincode.objects.bulk_create([ZonePincode(zone=zone, pincode=p) for p in cleaned if p not in existing])
    except IntegrityError as exc:  # another zone took one of them since validate_zone looked
        raise ValidationError({"pincodes": ["Another zone took one of these pincodes just now; try again."]}) from exc

    publish(
        ZoneConfigured(
            zone_id=zone.id,
            code=zone.code,
            title=zone.title,
            store_id=zone.store_id,
            pincodes=tuple(cleaned),
            is_active=zone.is_active,
            fee_policy=selectors.fee_policy(zone=zone),
        ),
        key=zone.id,
    )
    return zone


@transaction.atomic
def set_slot_template(
    *,
    zone: Zone,
    start_time: time,
    end_time: time,
    capacity: int,
    cutoff_minutes: int = 60,
    mode: str = SlotMode.STANDARD,
    weekdays: str = "1234567",
    is_active: bool = True,
) -> SlotTemplate:
    """Create or change a zone's recurring window (by mode and start time)."""
    if mode not in SlotMode.values:
        raise ValidationError({"mode": [f"Mode must be one of {', '.join(SlotMode.values)}."]})
    if end_time <= start_time:
        raise ValidationError({"end_time": ["A window ends after it starts (and on the same day)."]})
    if not 1 <= capacity <= MAX_SLOT_CAPACITY or not 0 <= cutoff_minutes <= MAX_CUTOFF_MINUTES:
        raise ValidationError(
            {
                "capacity": [
                    f"Capacity is 1 to {MAX_SLOT_CAPACITY:,} and the cut-off 0 to {MAX_CUTOFF_MINUTES:,} minutes."
                ]
            }
        )
    if not weekdays or any(d not in "1234567" for d in weekdays):
        raise ValidationError({"weekdays": ["Weekdays are ISO digits 1 (Monday) to 7 (Sunday)."]})
    template, _ = SlotTemplate.objects.update_or_create(
        zone=zone,
        mode=mode,
        start_time=start_time,
        defaults={
            "end_time": end_time,
            "capacity": capacity,
            "cutoff_minutes": cutoff_minutes,
            "weekdays": "".join(sorted(set(weekdays))),
            "is_active": is_active,
        },
    )
    return template


@transaction.atomic
def deactivate_slot_template(*, template_id: UUID) -> bool:
    """Stop generating slots from a template; the slots it already made stay, with their bookings.
    Templates are never deleted here. Returns whether it was active (False: nothing changed)."""
    return SlotTemplate.objects.filter(pk=template_id, is_active=True).update(is_active=False) == 1
