"""What one prepaid order costs the database, counted: a budget that a new N+1 query breaks.

The order goes the way bench/checkout.py's customers go: checkout, the saga's deliveries,
the pay page, the callback from (fake) Razorpay's checkout, Razorpay's three webhooks,
and the deliveries that follow the confirmation. The count is deterministic (the
benchmark's CPU figures are not, on a shared VM), so it is the guard for the hot path's
query count. The budget is the count at the last change: lower it when a change saves a
statement; raise it only for a statement the order needs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent
from shop.eventbus.testing import deliver_pending

from .conftest import ATTA, MILK, Shop

pytestmark = pytest.mark.django_db

# Statements per phase of one prepaid order; the sum is what the order costs.
BUDGET = {
    "checkout": 16,  # 14, the slot from the cart's projection (checked and priced), the lines' replacement offers
    "saga until payment is requested": 58,
    "pay page": 1,
    "callback": 8,
    "webhooks": 15,
    # 43, and analytics keeps the order's store for its refunds (one INSERT); and, in the delivery
    # of OrderConfirmed it already had, one upsert for the slot's places booked and one
    # multi-row upsert for the order's SKUs' demand (no subscription, so no delivery, added).
    "saga after the payment": 46,
}


def _kind(sql: str) -> str:
    word = re.match(r"\s*(\w+)", sql)
    return word.group(1).upper() if word else "?"


class Meter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.kinds: Counter[str] = Counter()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        with CaptureQueriesContext(connection) as captured:
            yield
        self.counts[name] = len(captured.captured_queries)
        self.kinds.update(_kind(q["sql"]) for q in captured.captured_queries)

    def report(self) -> str:
        phases = ", ".join(f"{name} {count}/{BUDGET[name]}" for name, count in self.counts.items())
        return f"{phases}; total {sum(self.counts.values())}; by kind {dict(self.kinds.most_common())}"


def _one_prepaid_order(shop: Shop, fake: FakeRazorpay, measure: Callable[[str], object]) -> Order:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    with measure("checkout"):
        order_id = customer.checkout("razorpay")
    with measure("saga until payment is requested"):
        deliver_pending()
    intent = PaymentIntent.objects.get(order_id=order_id)
    with measure("pay page"):
        page = customer.client.get(f"/payments/pay/{intent.id}/")
    assert page.status_code == 302, page.content
    fields = fake.pay(intent.razorpay_order_id)
    with measure("callback"):
        back = customer.client.post(f"/payments/razorpay/callback/{intent.id}/", data=fields, format="multipart")
    assert back.status_code == 200, back.content
    with measure("webhooks"):
        assert [status for _, status in fake.deliver_webhooks()] == [200, 200, 200]
    with measure("saga after the payment"):
        deliver_pending()
    return Order.objects.get(pk=order_id)


def test_a_prepaid_order_stays_within_its_statement_budget(shop: Shop, fake: FakeRazorpay) -> None:
    shop.customer()  # the first customer's one-off work (content types, token table) out of the count
    meter = Meter()

    order = _one_prepaid_order(shop, fake, meter.phase)

    assert (order.status, order.payment_state) == ("picking", "captured"), meter.report()
    over = {name: count for name, count in meter.counts.items() if count > BUDGET[name]}
    assert not over, f"over budget: {over}; {meter.report()}"
    print(meter.report())  # shown with -s: the figure docs/benchmarks.md quotes
