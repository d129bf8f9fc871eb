"""A store's day: the payment success rate of its prepaid orders, and its deliveries against
their promise (the end of the slot), end to end through the bus."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analytics import services
from analytics.models import StoreDay
from delivery import services as delivery
from delivery.events import ShipmentDelivered
from delivery.models import Shipment, Slot
from orders import services as orders
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.e2e.conftest import ATTA, MILK, Customer, Shop, pick

from .test_store_days import _staff_client

pytestmark = pytest.mark.django_db


def _prepaid(customer: Customer) -> Order:
    """A prepaid checkout, its saga run up to the pay page."""
    customer.fill_cart((MILK, 1), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    order = Order.objects.get(pk=order_id)
    assert order.status == "awaiting_payment"
    return order


def _today(shop: Shop) -> StoreDay:
    return StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())


def test_payment_success_is_prepaid_orders_paid_out_of_those_paid_or_cancelled_for_their_payment(
    shop: Shop, fake: FakeRazorpay, settings
) -> None:
    settings.ORDERS_PAYMENT_ATTEMPTS = 1  # the failed try ends its order (3 tries by default)
    customers = [shop.customer() for _ in range(4)]
    paid, failed, timed_out, changed_mind = (_prepaid(customer) for customer in customers)
    cash = shop.customer()
    cash.fill_cart((MILK, 1))
    cash.checkout("cod")

    fake.pay(paid.razorpay_order_id)
    fake.fail(failed.razorpay_order_id)
    fake.deliver_webhooks()
    Order.objects.filter(pk=timed_out.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert orders.cancel_expired_orders() == 1
    assert customers[3].client.post(f"/api/v1/orders/{changed_mind.pk}/cancel/").status_code == 200
    deliver_pending()

    reasons = dict(Order.objects.filter(status="cancelled").values_list("cancel_reason", "payment_method"))
    assert reasons == {"payment_failed": "razorpay", "payment_timeout": "razorpay", "customer_cancelled": "razorpay"}
    day = _today(shop)
    # Paid: the one paid (the cash order is not prepaid); failed: the failure and the timeout;
    # the customer who changed their mind before paying is in neither.
    assert (day.orders_confirmed, day.prepaid_confirmed, day.prepaid_payment_failed) == (2, 1, 2)
    assert day.payment_success_rate_percent == 33.3
    assert not Delivery.objects.exclude(status="done").exists()
    row = _staff_client().get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"][0]
    assert (row["prepaid_confirmed"], row["prepaid_payment_failed"], row["payment_success_rate_percent"]) == (
        1,
        2,
        33.3,
    )


def _out_for_delivery(shop: Shop) -> Shipment:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    return shipment


def _hand_over(shipment: Shipment) -> None:
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=shipment.cod_amount_paise)
    deliver_pending()


def test_deliveries_count_on_time_by_the_end_of_their_slot_and_late_after_it_by_how_much(shop: Shop) -> None:
    early, late = _out_for_delivery(shop), _out_for_delivery(shop)
    _hand_over(early)  # the slot ends tomorrow
    # The slot's window ended an hour and a half ago when the second one reaches the door.
    ends_at = timezone.now() - timedelta(minutes=90)
    Slot.objects.filter(pk=shop.slot.pk).update(
        cutoff_at=ends_at - timedelta(hours=3), starts_at=ends_at - timedelta(hours=2), ends_at=ends_at
    )
    _hand_over(late)

    day = _today(shop)
    assert (day.orders_delivered, day.delivered_on_time, day.delivered_late) == (2, 1, 1)
    assert day.on_time_percent == 50.0
    assert 90 * 60 <= day.late_seconds < 91 * 60
    assert day.average_minutes_late == 90.0
    row = _staff_client().get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"][0]
    assert (row["delivered_on_time"], row["delivered_late"], row["on_time_percent"], row["average_minutes_late"]) == (
        1,
        1,
        50.0,
        90.0,
    )


def test_a_delivery_without_a_promise_counts_as_delivered_but_neither_on_time_nor_late(db: None) -> None:
    store_id, order_id = uuid.uuid4(), uuid.uuid4()
    with transaction.atomic():  # as published before ShipmentDelivered carried its promise
        publish(
            ShipmentDelivered(
                shipment_id=uuid.uuid4(), order_id=order_id, store_id=store_id, delivered_at=timezone.now()
            ),
            key=order_id,
        )
    deliver_pending()

    day = StoreDay.objects.get(store_id=store_id)
    assert (day.orders_delivered, day.delivered_on_time, day.delivered_late, day.on_time_percent) == (1, 0, 0, None)


def test_on_the_dot_is_on_time(db: None) -> None:
    store_id, promise = uuid.uuid4(), timezone.now()
    services.count_delivered(store_id=store_id, delivered_at=promise, promised_by=promise)
    services.count_delivered(store_id=store_id, delivered_at=promise + timedelta(seconds=30), promised_by=promise)
    day = StoreDay.objects.get(store_id=store_id)
    assert (day.delivered_on_time, day.delivered_late, day.late_seconds, day.average_minutes_late) == (1, 1, 30, 0.5)
