"""Factories of the delivery app's rows (and of the users riders log in as)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from delivery.models import Rider, Shipment, ShipmentLine, Slot, Store, Zone, ZonePincode
from tests.accounts.factories import UserFactory

DEFAULT_TIERS = [{"min_cart_value_paise": 0, "fee_paise": 4900}, {"min_cart_value_paise": 50000, "fee_paise": 0}]


class StoreFactory(DjangoModelFactory[Store]):
    class Meta:
        model = Store

    store_id = factory.LazyFunction(uuid.uuid4)
    code = factory.Sequence(lambda n: f"BLR-{n:02d}")
    title = factory.Sequence(lambda n: f"Dark store {n}")
    city = "Bengaluru"
    pincode = "560001"
    is_open = True


class ZoneFactory(DjangoModelFactory[Zone]):
    class Meta:
        model = Zone

    code = factory.Sequence(lambda n: f"zone-{n}")
    title = factory.Sequence(lambda n: f"Zone {n}")
    store_id = factory.LazyFunction(lambda: StoreFactory().store_id)
    min_order_value_paise = 9900
    fee_tiers = factory.LazyFunction(lambda: [dict(tier) for tier in DEFAULT_TIERS])
    small_cart_threshold_paise = 19900
    small_cart_fee_paise = 1500


class ZonePincodeFactory(DjangoModelFactory[ZonePincode]):
    class Meta:
        model = ZonePincode

    zone = factory.SubFactory(ZoneFactory)
    pincode = factory.Sequence(lambda n: f"56{n:04d}")


class SlotFactory(DjangoModelFactory[Slot]):
    """A standard slot starting in a day, cut-off an hour before it."""

    class Meta:
        model = Slot

    zone = factory.SubFactory(ZoneFactory)
    store_id = factory.LazyAttribute(lambda o: o.zone.store_id)
    mode = "standard"
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    cutoff_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(hours=1))
    date = factory.LazyAttribute(lambda o: timezone.localdate(o.starts_at))
    capacity = 10
    booked = 0


class RiderFactory(DjangoModelFactory[Rider]):
    class Meta:
        model = Rider

    user_id = factory.LazyFunction(lambda: UserFactory().pk)
    store_id = factory.LazyFunction(lambda: StoreFactory().store_id)
    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9197{n:08d}")


class ShipmentFactory(DjangoModelFactory[Shipment]):
    class Meta:
        model = Shipment

    order_id = factory.LazyFunction(uuid.uuid4)
    customer_id = factory.LazyFunction(uuid.uuid4)
    store_id = factory.LazyFunction(lambda: StoreFactory().store_id)
    tracking_code = factory.Sequence(lambda n: f"DLTEST{n:06d}")
    payment_method = "prepaid"
    recipient_name = "Asha Rao"
    recipient_phone = "+919812345678"
    address = "12, 3rd Cross, Indiranagar, Bengaluru"
    pincode = "560038"


class ShipmentLineFactory(DjangoModelFactory[ShipmentLine]):
    class Meta:
        model = ShipmentLine

    shipment = factory.SubFactory(ShipmentFactory)
    sku_id = factory.LazyFunction(uuid.uuid4)
    title = factory.Sequence(lambda n: f"Item {n}")
    quantity = 2
