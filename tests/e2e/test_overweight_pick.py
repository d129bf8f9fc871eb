"""End to end: produce weighed heavier than ordered leaves the shelf, the order completes, nothing stays held."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.events import ProductPublished
from delivery import services as delivery
from delivery.models import Shipment
from inventory import services as inventory
from inventory.models import Reservation, Stock
from inventory.selectors import reconcile_ledger
from orders.models import Order
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory
from tests.cart.conftest import sku

from .conftest import MILK, Shop

pytestmark = pytest.mark.django_db

TOMATO = uuid.UUID("00000000-0000-0000-0000-00000000b0f1")


def _sell_loose_tomatoes(shop: Shop) -> None:
    snapshot = sku(
        TOMATO, name="Tomato (loose)", sold_by="weight", base_unit="g", step=250, pack_label="250 g",
        price_paise=4000, mrp_paise=5000, max_per_order=5000, hsn_code="0702", gst_rate_bp=0,
    )  # fmt: skip
    with transaction.atomic():
        publish(
            ProductPublished(product_id=snapshot.product_id, slug="tomato", title=snapshot.name, skus=(snapshot,)),
            key=snapshot.product_id,
        )
    with transaction.atomic():
        delivery.announce_open_slots()  # the shop's slot, for the cart's checkout (SlotFactory announces none)
    deliver_pending()
    today = timezone.localdate()
    inventory.receive_stock(
        store_id=shop.store_id, sku_id=TOMATO, quantity=760, expires_on=today + timedelta(days=3), batch_code="T1"
    )
    inventory.receive_stock(
        store_id=shop.store_id, sku_id=TOMATO, quantity=1240, expires_on=today + timedelta(days=6), batch_code="T2"
    )
    deliver_pending()


def test_a_weighed_line_heavier_than_ordered_is_committed_and_the_short_rest_released(shop: Shop) -> None:
    _sell_loose_tomatoes(shop)
    customer = shop.customer()
    customer.fill_cart((TOMATO, 750), (MILK, 3))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    lines = {line.sku_id: line for line in shipment.lines.all()}
    staff = APIClient()
    staff.force_authenticate(UserFactory(is_staff=True))

    response = staff.post(
        f"/api/v1/delivery/shipments/{shipment.id}/pick/",
        {
            "lines": [
                {"line_id": str(lines[TOMATO].id), "outcome": "weighed", "quantity_picked": 810},
                {"line_id": str(lines[MILK].id), "outcome": "short", "quantity_picked": 1},
            ]
        },
        format="json",
    )
    deliver_pending()

    assert response.status_code == 200, response.json()
    assert Reservation.objects.get(order_id=order_id).status == "committed"
    tomato = Stock.objects.get(store_id=shop.store_id, sku_id=TOMATO)
    assert (tomato.on_hand, tomato.reserved, tomato.available) == (2000 - 810, 0, 2000 - 810)
    milk = Stock.objects.get(store_id=shop.store_id, sku_id=MILK)
    assert (milk.on_hand, milk.reserved) == (99, 0)  # the 2 not found went back on sale
    # 750 g at ₹40/kg charged, not 810 g; one milk; the fee
    assert Order.objects.get(pk=order_id).final_total_paise == 3000 + 3000 + 2000
    assert reconcile_ledger() == []  # stock, batches and reservations agree with the ledger
    assert not Delivery.objects.exclude(status="done").exists()  # every handler ran cleanly


def test_a_prepaid_line_a_few_grams_light_owes_less_than_razorpay_refunds_and_nothing_is_stuck(
    shop: Shop, fake
) -> None:
    """5 g of tomatoes at ₹40/kg is 20 paise: below Razorpay's ₹1.00 minimum refund. Payments
    notes it on the payment and moves on (before, the refund was refused and the bus
    dead-lettered the delivery, alerting staff about 20 paise)."""
    from payments.models import PaymentIntent

    _sell_loose_tomatoes(shop)
    customer = shop.customer()
    customer.fill_cart((TOMATO, 750), (MILK, 3))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    fake.pay(Order.objects.get(pk=order_id).razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    lines = {line.sku_id: line for line in shipment.lines.all()}
    staff = APIClient()
    staff.force_authenticate(UserFactory(is_staff=True))

    staff.post(
        f"/api/v1/delivery/shipments/{shipment.id}/pick/",
        {
            "lines": [
                {"line_id": str(lines[TOMATO].id), "outcome": "weighed", "quantity_picked": 745},
                {"line_id": str(lines[MILK].id), "outcome": "found", "quantity_picked": 3},
            ]
        },
        format="json",
    )
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    order = Order.objects.get(pk=order_id)
    assert (order.adjustment_paise, order.refunded_paise) == (20, 0)
    intent = PaymentIntent.objects.get(order_id=order_id)
    assert intent.refunds.count() == 0
    assert "below Razorpay's ₹1.00 minimum: not refunded" in intent.transitions.last().note
    assert not Delivery.objects.filter(status="dead").exists()
    assert not Delivery.objects.exclude(status="done").exists()
