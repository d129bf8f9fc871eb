"""What analytics costs an order's checkout: one delivery (OrderConfirmed's), as before the
slot, demand, payment and promise reports; they ride on it or on events not sent per order."""

from __future__ import annotations

from collections import Counter

import pytest

from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.e2e.conftest import ATTA, MILK, Shop

pytestmark = pytest.mark.django_db


def test_a_prepaid_order_costs_analytics_one_delivery(shop: Shop, fake: FakeRazorpay) -> None:
    already = Delivery.objects.count()
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    fake.pay(PaymentIntent.objects.get(order_id=order_id).razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()

    deliveries = Delivery.objects.order_by("id")[already:]
    analytics = Counter(d.subscriber for d in deliveries if d.subscriber.startswith("analytics."))
    assert analytics == {"analytics.count_confirmed_order": 1}
