"""A shipment that goes back to the store: the order is cancelled and every app undoes its part."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from delivery import services as delivery
from delivery.models import Shipment, Slot
from delivery.services.picking import PickInput
from delivery.services.slots import announce_slot
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory

from .conftest import ATTA, MILK, Customer, Shop

pytestmark = pytest.mark.django_db


def _slot_known_to_the_cart(shop: Shop) -> None:
    """The shop's slot announced (SlotOpened), as delivery does for the slots it generates:
    checkout refuses a slot the cart has not heard of."""
    with transaction.atomic():
        announce_slot(shop.slot)
    deliver_pending()


def _staff() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True))
    return client


def _fail_and_return_through_the_api(shipment: Shipment) -> None:
    """Staff pick everything, pack, send the rider, who finds nobody home; the parcel goes back."""
    staff = _staff()
    base = f"/api/v1/delivery/shipments/{shipment.id}"
    found = [
        {"line_id": str(line.id), "outcome": "found", "quantity_picked": line.quantity} for line in shipment.lines.all()
    ]
    for step, data in [
        ("pick/", {"lines": found}),
        ("pack/", {}),
        ("assign/", {}),
        ("dispatch/", {}),
        ("fail/", {"reason": "customer_unavailable"}),
    ]:
        response = staff.post(f"{base}/{step}", data, format="json")
        assert (step, response.status_code) == (step, 200), response.json()
    deliver_pending()  # the failed attempt reaches the order first: back to packed
    assert Order.objects.get(pk=shipment.order_id).status == "packed"

    response = staff.post(f"{base}/return/", {}, format="json")
    assert response.status_code == 200, response.json()
    deliver_pending()


def _returned_cod_order(shop: Shop) -> tuple[Customer, Shipment]:
    _slot_known_to_the_cart(shop)
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    _fail_and_return_through_the_api(shipment)
    return customer, shipment


def test_a_cash_on_delivery_order_whose_shipment_is_returned_is_cancelled(shop: Shop) -> None:
    customer, shipment = _returned_cod_order(shop)

    order = Order.objects.get(pk=shipment.order_id)
    assert (order.status, order.cancel_reason) == ("cancelled", "delivery_failed")
    assert [(t.from_status, t.to_status, t.reason) for t in order.transitions.all()][-3:] == [
        ("packed", "out_for_delivery", "out for delivery (attempt 1)"),
        ("out_for_delivery", "packed", "delivery attempt failed: customer_unavailable"),
        ("packed", "cancelled", "delivery_failed: returned to the store"),
    ]
    intent = PaymentIntent.objects.get(order_id=order.id)
    assert (intent.status, intent.captured_paise, intent.cancel_reason) == ("created", 0, "delivery_failed")
    detail = customer.client.get(f"/api/v1/orders/{order.id}/").json()
    assert (detail["status"], detail["cancel_reason"]) == ("cancelled", "delivery_failed")
    assert Shipment.objects.get(pk=shipment.id).status == "returned"
    assert not Delivery.objects.exclude(status="done").exists()  # every app's reaction ran cleanly


def test_a_returned_orders_slot_is_freed_and_every_handler_runs_cleanly(shop: Shop) -> None:
    _customer, shipment = _returned_cod_order(shop)

    assert Order.objects.get(pk=shipment.order_id).status == "cancelled"
    assert Shipment.objects.get(pk=shipment.id).status == "returned"  # not overwritten by the cancellation
    assert Slot.objects.get(pk=shop.slot.id).booked == 0
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_prepaid_order_whose_shipment_is_returned_is_refunded_in_full(shop: Shop, fake: FakeRazorpay) -> None:
    _slot_known_to_the_cart(shop)
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    order = Order.objects.get(pk=order_id)
    fake.pay(order.razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)

    delivery.record_pick(
        shipment_id=shipment.id,
        picks=[PickInput(line_id=ln.id, outcome="found", quantity_picked=ln.quantity) for ln in shipment.lines.all()],
    )
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.fail_delivery(shipment_id=shipment.id, reason="customer_unavailable")
    delivery.return_shipment(shipment_id=shipment.id)
    deliver_pending()  # failure and return together: the order may hear of them in any order
    fake.deliver_webhooks()  # refund.processed
    deliver_pending()

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "delivery_failed")
    assert order.refunded_paise == order.total_paise == 6000 + 26000 + 2000
    assert order.payment_state == "refunded"
    assert [r.reason for r in order.refunds.all()] == ["order no longer payable: delivery_failed"]
