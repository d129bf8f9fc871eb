"""A coupon from the cart to the money: Razorpay is asked for the discounted total, a line
short at picking gives back what was paid for it (net of its share of the discount), the
invoice adds up to what the customer paid, and a cancelled order gives the coupon back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cart.models import Coupon, CouponRedemption
from delivery import services as delivery
from delivery.models import Shipment
from notifications.models import Notification
from orders import services as orders
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending

from .conftest import ATTA, MILK, Shop, pick

pytestmark = pytest.mark.django_db


def _coupon() -> Coupon:
    return Coupon.objects.create(
        code="SAVE10", kind="percent", percent_bp=1000, valid_from=timezone.now() - timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=1), per_customer_limit=1,
    )  # fmt: skip


def test_a_prepaid_order_with_a_coupon_is_paid_refunded_and_invoiced_net_of_it(shop: Shop, fake: FakeRazorpay) -> None:
    _coupon()
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))  # 60.00 + 260.00; 10 % off: 32.00 (6.00 on milk, 26.00 on atta)
    cart = customer.client.patch("/api/v1/cart/", {"coupon_code": "SAVE10"}, format="json").json()
    assert (cart["discount_paise"], cart["total_paise"]) == (3200, 32000 - 3200 + 2000)
    order_id = customer.checkout("razorpay")
    deliver_pending()

    order = Order.objects.get(pk=order_id)
    assert (order.coupon_code, order.discount_paise, order.total_paise) == ("SAVE10", 3200, 30800)
    assert PaymentIntent.objects.get(order_id=order_id).amount_paise == 30800  # Razorpay asked for the net
    fake.pay(order.razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    # The confirmation itemises what was bought and shows the coupon's part of the money.
    confirmation = Notification.objects.get(order_id=order_id, kind="order_confirmed").body
    assert "Coupon SAVE10: -₹32.00\nDelivery and fees: ₹20.00\nTotal: ₹308.00, paid online" in confirmation
    assert "x 2: ₹60.00" in confirmation
    assert "x 1: ₹260.00" in confirmation

    pick(Shipment.objects.get(order_id=order_id), short={MILK: 1})  # one milk of two: 30.00 less its 3.00 share
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()
    order.refresh_from_db()
    assert (order.adjustment_paise, order.refunded_paise, order.final_total_paise) == (2700, 2700, 28100)

    shipment = Shipment.objects.get(order_id=order_id)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id)
    deliver_pending()
    invoice = customer.client.get(f"/api/v1/orders/{order_id}/invoice/?format=json").json()
    assert invoice["total_paise"] == 28100
    assert invoice["coupon_code"] == "SAVE10"
    assert not Delivery.objects.exclude(status="done").exists()


def test_cancelling_the_order_gives_the_coupon_back(shop: Shop) -> None:
    _coupon()
    customer = shop.customer()
    customer.fill_cart((ATTA, 1))
    customer.client.patch("/api/v1/cart/", {"coupon_code": "SAVE10"}, format="json")
    order_id = customer.checkout("cod")
    deliver_pending()
    customer.fill_cart((ATTA, 1))
    refused = customer.client.patch("/api/v1/cart/", {"coupon_code": "SAVE10"}, format="json")
    assert refused.status_code == 400  # once per customer

    orders.cancel_order(order_id=order_id)
    deliver_pending()

    assert CouponRedemption.objects.get(order_id=order_id).released_at is not None
    again = customer.client.patch("/api/v1/cart/", {"coupon_code": "SAVE10"}, format="json")
    assert again.json()["coupon"]["code"] == "SAVE10"
