"""The saga through the bus with delivery's real services: slot booked or refused, shipment to the door."""

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from delivery import services as delivery
from delivery.models import Shipment, Slot, SlotBooking
from delivery.services.picking import PickInput
from orders import services
from orders.models import Order
from shop.eventbus.testing import deliver_pending
from tests.delivery.factories import RiderFactory, SlotFactory, StoreFactory, ZoneFactory, ZonePincodeFactory

from .factories import milk, place, tomatoes

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot() -> Slot:
    store = StoreFactory(pincode="560038")
    zone = ZoneFactory(code="indiranagar", store_id=store.store_id)
    ZonePincodeFactory(zone=zone, pincode="560038")
    RiderFactory(store_id=store.store_id)
    return SlotFactory(zone=zone, capacity=1)


def _place(slot: Slot, **kw) -> Order:
    return place(store_id=slot.zone.store_id, slot_id=slot.id, **kw)


def test_placed_order_books_its_slot_and_cod_order_is_confirmed_then_delivered(slot: Slot) -> None:
    order = _place(slot, payment_method="cod")
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())  # inventory's leg
    deliver_pending()

    order.refresh_from_db()
    assert (order.slot_state, order.status) == ("booked", "picking")  # confirmed, and the shipment opened
    shipment = Shipment.objects.get(order_id=order.id)
    assert order.tracking_code == shipment.tracking_code
    assert shipment.cod_amount_paise == order.total_paise

    with transaction.atomic():
        picks = [
            PickInput(line_id=line.id, outcome="short" if line.sku_id == milk().sku_id else "found",
                      quantity_picked=1 if line.sku_id == milk().sku_id else line.quantity)
            for line in shipment.lines.all()
        ]  # fmt: skip
        delivery.record_pick(shipment_id=shipment.id, picks=picks)
    deliver_pending()  # the order's new total reaches the shipment: cash on delivery may leave only then
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    deliver_pending()
    order.refresh_from_db()
    assert (order.status, order.adjustment_paise) == ("out_for_delivery", 3000)

    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=order.final_total_paise)
    deliver_pending()
    order.refresh_from_db()
    assert (order.status, order.payment_state, order.paid_paise) == ("delivered", "collected", 11500 - 3000)


def test_a_full_slot_cancels_the_order_and_a_cancelled_order_frees_its_slot(slot: Slot) -> None:
    first = _place(slot, payment_method="cod")
    second = _place(slot, payment_method="cod", lines=[tomatoes()], delivery_fee_paise=0)
    deliver_pending()

    assert Order.objects.get(pk=first.id).slot_state == "booked"
    second.refresh_from_db()
    assert (second.status, second.cancel_reason) == ("cancelled", "slot_unavailable")

    services.cancel_order(order_id=first.id)
    deliver_pending()
    slot.refresh_from_db()
    assert slot.booked == 0
    assert SlotBooking.objects.get(order_id=first.id).status == "released"


def test_cancelling_before_delivery_answers_stops_the_shipment(slot: Slot) -> None:
    order = _place(slot, payment_method="cod")
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    deliver_pending()
    services.cancel_order(order_id=order.id)
    deliver_pending()
    assert Shipment.objects.get(order_id=order.id).status == "cancelled"
    assert timezone.now() >= Order.objects.get(pk=order.id).cancelled_at
