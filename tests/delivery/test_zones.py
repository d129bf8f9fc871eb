"""Store projection, zone configuration with its fee policy, slot templates and generation."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from delivery import selectors, services
from delivery.events import FeePolicy, FeeTier, ZoneConfigured
from delivery.handlers import keep_store_projection
from delivery.models import Slot, Store, Zone, ZonePincode
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending
from tests.inventory.factories import store_updated

from .factories import StoreFactory, ZoneFactory, ZonePincodeFactory

POLICY = FeePolicy(
    min_order_value_paise=9900,
    fee_tiers=(FeeTier(min_cart_value_paise=0, fee_paise=4900), FeeTier(min_cart_value_paise=50000, fee_paise=0)),
    small_cart_threshold_paise=19900,
    small_cart_fee_paise=1500,
    late_night_start=time(23, 0),
    late_night_end=time(6, 0),
    late_night_fee_paise=2500,
    express_fee_paise=3000,
)


@pytest.mark.django_db
def test_store_events_keep_the_projection_current() -> None:
    store_id = uuid.uuid4()
    with transaction.atomic():
        publish(store_updated(store_id), key=store_id)
        publish(store_updated(store_id, title="Indiranagar 2", is_open=False), key=store_id)

    deliver_pending()

    store = Store.objects.get()
    assert (store.store_id, store.code, store.title, store.pincode, store.is_open) == (
        store_id,
        "BLR-IND",
        "Indiranagar 2",
        "560038",
        False,
    )


@pytest.mark.django_db
def test_the_store_handler_is_idempotent() -> None:
    event = store_updated(uuid.uuid4())
    keep_store_projection(event)
    keep_store_projection(event)
    assert Store.objects.count() == 1


@pytest.mark.django_db
def test_configuring_a_zone_announces_pincodes_store_and_whole_fee_policy() -> None:
    store = StoreFactory()

    with captured_events() as published:
        zone = services.configure_zone(
            code="indiranagar",
            title="Indiranagar",
            store_id=store.store_id,
            pincodes=["560038", "560008"],
            fee_policy=POLICY,
        )

    assert published == [
        ZoneConfigured(
            zone_id=zone.id,
            code="indiranagar",
            title="Indiranagar",
            store_id=store.store_id,
            pincodes=("560008", "560038"),
            is_active=True,
            fee_policy=POLICY,
        )
    ]
    assert sorted(ZonePincode.objects.values_list("pincode", flat=True)) == ["560008", "560038"]


@pytest.mark.django_db
def test_reconfiguring_a_zone_replaces_its_pincodes() -> None:
    store = StoreFactory()
    services.configure_zone(
        code="z", title="Z", store_id=store.store_id, pincodes=["560038", "560008"], fee_policy=POLICY
    )

    services.configure_zone(
        code="z", title="Z", store_id=store.store_id, pincodes=["560008", "560075"], fee_policy=POLICY
    )

    assert Zone.objects.count() == 1
    assert sorted(ZonePincode.objects.values_list("pincode", flat=True)) == ["560008", "560075"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pincodes": ["56001"]}, "pincodes"),
        ({"pincodes": ["abcdef"]}, "pincodes"),
        ({"pincodes": []}, "pincodes"),
        ({"store_id": uuid.UUID(int=1)}, "store_id"),
        (
            {"fee_policy": POLICY.model_copy(update={"fee_tiers": (FeeTier(min_cart_value_paise=100, fee_paise=1),)})},
            "fee_tiers",
        ),
        ({"fee_policy": POLICY.model_copy(update={"late_night_end": None})}, "late_night_start"),
    ],
)
@pytest.mark.django_db
def test_a_bad_zone_is_refused_and_nothing_is_written(changes: dict, field: str) -> None:
    store = StoreFactory()
    args = {"code": "z", "title": "Z", "store_id": store.store_id, "pincodes": ["560038"], "fee_policy": POLICY}

    with captured_events() as published, pytest.raises(ValidationError) as caught:
        services.configure_zone(**{**args, **changes})

    assert list(caught.value.message_dict) == [field]
    assert published == []
    assert Zone.objects.count() == 0


@pytest.mark.django_db
def test_a_pincode_belongs_to_one_zone() -> None:
    store = StoreFactory()
    services.configure_zone(code="a", title="A", store_id=store.store_id, pincodes=["560038"], fee_policy=POLICY)

    with pytest.raises(ValidationError) as caught:
        services.configure_zone(code="b", title="B", store_id=store.store_id, pincodes=["560038"], fee_policy=POLICY)

    assert caught.value.message_dict == {"pincodes": ["Already served by another zone: 560038."]}
    assert Zone.objects.count() == 1


@pytest.mark.django_db
def test_slots_are_generated_from_templates_idempotently() -> None:
    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(7), end_time=time(9), capacity=20, cutoff_minutes=60)
    services.set_slot_template(zone=zone, start_time=time(9), end_time=time(11), capacity=20, weekdays="67")
    services.set_slot_template(
        zone=zone, mode="express", start_time=time(8), end_time=time(8, 30), capacity=4, cutoff_minutes=0
    )
    monday = date(2030, 1, 7)
    now = timezone.make_aware(datetime(2030, 1, 6, 12, 0))

    created = services.generate_slots(days=7, start=monday, now=now)
    again = services.generate_slots(days=7, start=monday, now=now)

    # 7 days of 07-09, Saturday and Sunday of 09-11, 7 days of express.
    assert (created, again) == (16, 0)
    first = Slot.objects.get(date=monday, mode="standard")
    assert (first.starts_at, first.cutoff_at, first.capacity, first.store_id) == (
        timezone.make_aware(datetime(2030, 1, 7, 7, 0)),
        timezone.make_aware(datetime(2030, 1, 7, 6, 0)),
        20,
        zone.store_id,
    )
    assert Slot.objects.filter(mode="express").count() == 7


@pytest.mark.django_db
def test_generation_keeps_bookings_and_skips_past_windows() -> None:
    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(7), end_time=time(9), capacity=20)
    today = date(2030, 1, 7)
    services.generate_slots(days=2, start=today, now=timezone.make_aware(datetime(2030, 1, 7, 10, 0)))
    assert list(Slot.objects.values_list("date", flat=True)) == [date(2030, 1, 8)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_time": time(7)}, "end_time"),
        ({"capacity": 0}, "capacity"),
        ({"weekdays": "8"}, "weekdays"),
        ({"mode": "drone"}, "mode"),
    ],
)
@pytest.mark.django_db
def test_bad_templates_are_refused(changes: dict, field: str) -> None:
    zone = ZoneFactory()
    args = {"zone": zone, "start_time": time(7), "end_time": time(9), "capacity": 10}
    with pytest.raises(ValidationError) as caught:
        services.set_slot_template(**{**args, **changes})
    assert list(caught.value.message_dict) == [field]


@pytest.mark.django_db
def test_the_generate_slots_command_and_task_create_slots() -> None:
    from delivery.tasks import generate_slots_task

    zone = ZoneFactory()
    services.set_slot_template(zone=zone, start_time=time(20), end_time=time(21), capacity=5)

    call_command("generate_delivery_slots", days=3)

    # Today's window counts only while it has not ended.
    assert Slot.objects.count() == (3 if timezone.localtime().time() < time(21) else 2)
    assert generate_slots_task.delay(days=3).get() == 0


def test_the_daily_beat_task_is_registered() -> None:
    from shop.celery import app

    assert app.conf.beat_schedule["delivery-generate-slots"]["task"] == "delivery.generate_slots_task"
    assert app.conf.beat_schedule["delivery-generate-slots"]["schedule"] == 86400.0


@pytest.mark.django_db
def test_the_stored_zone_event_reads_back_as_the_contract() -> None:
    from shop.eventbus.models import Event as EventRecord

    store = StoreFactory()
    with captured_events() as published:
        services.configure_zone(code="z", title="Z", store_id=store.store_id, pincodes=["560038"], fee_policy=POLICY)

    record = EventRecord.objects.get(name="delivery.zone_configured.v1")
    assert record.payload["fee_policy"]["late_night_start"] == "23:00:00"
    assert ZoneConfigured.model_validate(record.payload) == published[0]


@pytest.mark.parametrize(
    ("pincode", "zone_active", "store_open", "served"),
    [
        ("560038", True, True, True),
        ("560008", True, True, True),
        ("560095", True, True, False),  # another zone's pincode
        ("560038", False, True, False),  # the zone is switched off
        ("560038", True, False, False),  # its store is closed
    ],
)
def test_booking_s_one_query_check_agrees_with_the_pincode_lookup(
    zone: Zone, store: Store, pincode: str, zone_active: bool, store_open: bool, served: bool
) -> None:
    ZonePincodeFactory(zone=ZoneFactory(code="koramangala"), pincode="560095")
    Zone.objects.filter(pk=zone.pk).update(is_active=zone_active)
    Store.objects.filter(pk=store.pk).update(is_open=store_open)
    zone.refresh_from_db()

    assert selectors.serves(zone=zone, pincode=pincode) is served
    assert (selectors.zone_for_pincode(pincode=pincode) == zone) is served


@pytest.mark.parametrize(
    ("capacity", "cutoff_minutes"), [(10_001, 60), (2**32 + 20, 60), (20, 7 * 24 * 60 + 1), (20, 2**32)]
)
@pytest.mark.django_db
def test_a_template_beyond_the_bounds_is_refused(capacity: int, cutoff_minutes: int) -> None:
    zone = ZoneFactory()

    with pytest.raises(ValidationError, match="Capacity is 1 to 10,000 and the cut-off 0 to 10,080 minutes"):
        services.set_slot_template(
            zone=zone, start_time=time(7), end_time=time(9), capacity=capacity, cutoff_minutes=cutoff_minutes
        )

    assert not zone.templates.exists()
