"""Slot utilisation: places booked (orders confirmed for the slot, less those cancelled since)
against the capacity delivery announces, end to end through the bus."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import services
from analytics.models import SlotUse
from delivery import services as delivery
from delivery.models import Slot
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.e2e.conftest import MILK, Shop

from .test_store_days import _staff_client

pytestmark = pytest.mark.django_db


def _order(shop: Shop, method: str = "cod") -> tuple[object, str]:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    return customer, customer.checkout(method)


def test_a_slots_places_booked_follow_its_confirmed_orders_and_its_capacity_delivery(
    shop: Shop, fake: FakeRazorpay, settings
) -> None:
    settings.ORDERS_PAYMENT_ATTEMPTS = 1  # the failed try ends its order (3 tries by default)
    slot = SlotUse.objects.get(slot_id=shop.slot.id)  # announced when the shop opened
    assert (slot.capacity, slot.booked, slot.utilisation_percent) == (50, 0, 0.0)

    orders = [_order(shop) for _ in range(3)]
    unpaid = _order(shop, "razorpay")
    deliver_pending()
    fake.fail(Order.objects.get(pk=unpaid[1]).razorpay_order_id)  # cancelled before confirmation
    fake.deliver_webhooks()
    customer, cancelled_id = orders[0]
    assert customer.client.post(f"/api/v1/orders/{cancelled_id}/cancel/").status_code == 200  # type: ignore[attr-defined]
    deliver_pending()

    slot.refresh_from_db()
    assert (slot.orders_confirmed, slot.orders_cancelled, slot.booked) == (3, 1, 2)
    assert slot.booked == Slot.objects.get(pk=shop.slot.id).booked  # delivery's own count, once settled
    assert slot.utilisation_percent == 4.0
    assert (slot.store_id, slot.date, slot.starts_at, slot.mode) == (
        shop.store_id,
        timezone.localdate(shop.slot.starts_at),
        shop.slot.starts_at,
        "standard",
    )

    delivery.set_slot_capacity(slot_id=shop.slot.id, capacity=4)  # staff take riders off it
    deliver_pending()
    slot.refresh_from_db()
    assert (slot.capacity, slot.utilisation_percent) == (4, 50.0)
    assert not Delivery.objects.exclude(status="done").exists()

    day = timezone.localdate(shop.slot.starts_at).isoformat()
    page = _staff_client().get(f"/api/v1/analytics/slots/?store_id={shop.store_id}&since={day}&until={day}").json()
    assert page["count"] == 1
    assert page["results"] == [
        {
            "slot_id": str(shop.slot.id),
            "store_id": str(shop.store_id),
            "zone_id": str(shop.zone.id),
            "date": day,
            "starts_at": timezone.localtime(shop.slot.starts_at).isoformat(),
            "ends_at": timezone.localtime(shop.slot.ends_at).isoformat(),
            "mode": "standard",
            "capacity": 4,
            "orders_confirmed": 3,
            "orders_cancelled": 1,
            "booked": 2,
            "utilisation_percent": 50.0,
        }
    ]
    other_store = _staff_client().get(f"/api/v1/analytics/slots/?store_id={uuid.uuid4()}&since={day}&until={day}")
    assert other_store.json()["count"] == 0


def _announce(slot_id: uuid.UUID, *, capacity: int | None, at: object) -> bool:
    starts = timezone.now() + timedelta(days=1)
    return services.record_slot(
        slot_id=slot_id, store_id=uuid.uuid4(), zone_id=uuid.uuid4(), mode="standard", starts_at=starts,
        ends_at=starts + timedelta(hours=2), capacity=capacity, announced_at=at,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_order_counted_before_the_slot_was_announced_keeps_its_place(db: None) -> None:
    slot_id, store_id, starts = uuid.uuid4(), uuid.uuid4(), timezone.now() + timedelta(days=1)
    services.count_slot_booking(slot_id=slot_id, store_id=store_id, starts_at=starts, ends_at=None)
    assert _announce(slot_id, capacity=10, at=timezone.now())
    slot = SlotUse.objects.get()
    assert (slot.orders_confirmed, slot.capacity, slot.utilisation_percent) == (1, 10, 10.0)


def test_a_stale_announcement_or_one_without_capacity_keeps_the_capacity_known(db: None) -> None:
    slot_id, now = uuid.uuid4(), timezone.now()
    assert _announce(slot_id, capacity=12, at=now)
    assert not _announce(slot_id, capacity=30, at=now - timedelta(minutes=5))  # a replayed dead letter
    assert SlotUse.objects.get().capacity == 12
    assert _announce(slot_id, capacity=None, at=now + timedelta(minutes=1))  # published before capacity was
    assert SlotUse.objects.get().capacity == 12


def test_a_slot_whose_capacity_is_not_known_has_no_utilisation(db: None) -> None:
    services.count_slot_booking(slot_id=uuid.uuid4(), store_id=uuid.uuid4(), starts_at=None, ends_at=None)
    slot = SlotUse.objects.get()
    assert (slot.booked, slot.capacity, slot.utilisation_percent) == (1, None, None)
