"""Prepaid checkouts end to end: the real Razorpay SDK against the local fake, webhooks and all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery import services as delivery
from delivery.models import Shipment, Slot
from delivery.services.picking import PickInput
from inventory.models import Stock
from orders import services as orders
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent
from shop.eventbus.delivery import deliver_batch
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending

from .conftest import ATTA, MILK, Customer, Shop, build_shop, pick

pytestmark = pytest.mark.django_db


def _awaiting_payment(customer: Customer) -> Order:
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    return Order.objects.get(pk=order_id)


def _pay(fake: FakeRazorpay, order: Order) -> None:
    fake.pay(order.razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    order.refresh_from_db()


def _reserved(shop: Shop) -> int:
    return Stock.objects.get(store_id=shop.store_id, sku_id=MILK).reserved


def test_prepaid_happy_path_the_browser_gets_what_razorpay_checkout_needs(shop: Shop, fake: FakeRazorpay) -> None:
    customer = shop.customer()
    order = _awaiting_payment(customer)

    assert (order.status, order.stock_state, order.slot_state) == ("awaiting_payment", "reserved", "booked")
    payment = customer.client.get(f"/api/v1/orders/{order.id}/").json()["payment"]
    assert payment["razorpay"]["order_id"] == order.razorpay_order_id
    assert payment["razorpay"]["amount"] == 6000 + 26000 + 2000

    _pay(fake, order)
    assert (order.status, order.payment_state, order.paid_paise) == ("picking", "captured", 34000)
    assert not Delivery.objects.exclude(status="done").exists()


def test_duplicate_and_out_of_order_webhooks_make_one_capture(shop: Shop, fake: FakeRazorpay) -> None:
    order = _awaiting_payment(shop.customer())
    fake.knobs.duplicate_webhooks = True
    fake.knobs.reverse_webhooks = True

    _pay(fake, order)

    assert order.status == "picking"
    assert [t.to_status for t in order.transitions.all()] == ["pending", "awaiting_payment", "confirmed", "picking"]
    assert PaymentIntent.objects.get(order_id=order.id).captured_paise == 34000


def test_payment_failure_cancels_and_releases_stock_and_slot(shop: Shop, fake: FakeRazorpay) -> None:
    """Every try the customer makes fails (ORDERS_PAYMENT_ATTEMPTS of them, 3): cancelled."""
    order = _awaiting_payment(shop.customer())
    fake.knobs.duplicate_webhooks = True  # a failure told twice is still one attempt
    for attempt in (1, 2, 3):
        fake.fail(order.razorpay_order_id)
        fake.deliver_webhooks()
        deliver_pending()
        order.refresh_from_db()
        assert order.payment_attempts_failed == attempt
        assert order.status == ("awaiting_payment" if attempt < 3 else "cancelled")

    assert (order.status, order.cancel_reason) == ("cancelled", "payment_failed")
    assert _reserved(shop) == 0
    assert Slot.objects.get(pk=shop.slot.id).booked == 0


def test_a_failed_attempt_then_a_paid_one_confirms_with_nothing_refunded(shop: Shop, fake: FakeRazorpay) -> None:
    """The bank declines the first try; the customer pays on the second in the same checkout."""
    customer = shop.customer()
    order = _awaiting_payment(customer)
    fake.fail(order.razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    payment = customer.client.get(f"/api/v1/orders/{order.id}/").json()["payment"]
    assert payment["last_error"] == "Payment failed because the customer cancelled at the bank."
    assert payment["razorpay"]["attempts_left"] == 2

    _pay(fake, order)

    assert (order.status, order.payment_state, order.paid_paise, order.refunded_paise) == (
        "picking",
        "captured",
        34000,
        0,
    )
    intent = PaymentIntent.objects.get(order_id=order.id)
    assert (intent.status, intent.captured_paise, intent.cancelled_at) == ("captured", 34000, None)
    assert not intent.refunds.exists()


def test_payment_timeout_cancels_and_a_late_payment_is_refunded(shop: Shop, fake: FakeRazorpay) -> None:
    order = _awaiting_payment(shop.customer())
    Order.objects.filter(pk=order.id).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert orders.cancel_expired_orders() == 1
    deliver_pending()
    assert _reserved(shop) == 0

    _pay(fake, order)  # the customer pays anyway
    fake.deliver_webhooks()  # the refund's webhooks
    deliver_pending()

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "payment_timeout")
    assert order.refunded_paise == 34000


def test_customer_cancel_after_payment_is_refunded_in_full(shop: Shop, fake: FakeRazorpay) -> None:
    customer = shop.customer()
    order = _awaiting_payment(customer)
    _pay(fake, order)

    assert customer.client.post(f"/api/v1/orders/{order.id}/cancel/").status_code == 200
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    order.refresh_from_db()
    assert order.refunded_paise == 34000
    detail = customer.client.get(f"/api/v1/orders/{order.id}/").json()
    refunds = detail["refunds"]
    assert [(r["amount_paise"], r["status"]) for r in refunds] == [(34000, "processed")]
    assert refunds[0]["bank_reference"]
    assert refunds[0]["reason"] == "you cancelled the order"  # in words, for the customer
    assert _reserved(shop) == 0
    # The order's own view of each leg follows the other apps' news, not its last request.
    assert (detail["payment"]["state"], order.stock_state, order.slot_state) == ("refunded", "released", "released")


def test_a_slot_found_full_after_the_payment_cancels_and_refunds_it(db: None, fake: FakeRazorpay) -> None:
    """Delivery answers late (its worker was behind), and the money comes in before the slot
    turns out to be full: the order is cancelled, and the money goes back. (The web shop asks
    for payment only once the slot is booked, but a client holding the Razorpay order, or a
    late authorisation, can pay earlier.)"""
    shop = build_shop(slot_capacity=1)
    late, early = shop.customer(), shop.customer()
    late.fill_cart((MILK, 2), (ATTA, 1))
    late_id = late.checkout("razorpay")
    deliver_batch()  # orders places it: OrderPlaced asks for stock, slot and payment
    booking = Delivery.objects.filter(subscriber="delivery.book_slot_for_order", status="pending")
    assert booking.update(available_at=timezone.now() + timedelta(hours=1)) == 1  # delivery is behind
    deliver_pending()
    order = Order.objects.get(pk=late_id)
    assert (order.status, order.slot_state, order.payment_state) == ("pending", "pending", "requested")
    early.fill_cart((MILK, 1))
    early_id = early.checkout("cod")
    deliver_pending()  # the other order takes the slot's one place meanwhile
    assert Order.objects.get(pk=early_id).status == "picking"

    _pay(fake, order)
    assert (order.status, order.payment_state) == ("pending", "captured")  # paid, slot still unknown

    booking.update(available_at=timezone.now())  # delivery catches up: the slot is full
    deliver_pending()
    fake.deliver_webhooks()  # refund.processed
    deliver_pending()

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "slot_unavailable")
    assert order.refunded_paise == 34000
    assert PaymentIntent.objects.get(order_id=order.id).refunded_paise == 34000
    assert _reserved(shop) == 1  # only the other order's milk is held
    assert Slot.objects.get(pk=shop.slot.id).booked == 1
    assert not Delivery.objects.exclude(status="done").exists()


def test_picking_shortfall_is_refunded_in_part(shop: Shop, fake: FakeRazorpay) -> None:
    order = _awaiting_payment(shop.customer())
    _pay(fake, order)
    shipment = Shipment.objects.get(order_id=order.id)
    pick(shipment, short={MILK: 1})
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    order.refresh_from_db()
    assert (order.adjustment_paise, order.refunded_paise) == (3000, 3000)
    assert (order.payment_state, order.stock_state) == ("captured", "committed")  # refunded in part only
    milk = Stock.objects.get(store_id=shop.store_id, sku_id=MILK)
    assert (milk.on_hand, milk.reserved) == (99, 0)  # one pack left the shelf, the other went back on sale


def test_nothing_found_at_picking_cancels_the_order_and_refunds_it_fees_and_all(shop: Shop, fake: FakeRazorpay) -> None:
    customer = shop.customer()
    order = _awaiting_payment(customer)
    _pay(fake, order)
    shipment = Shipment.objects.get(order_id=order.id)
    picks = [PickInput(line_id=line.id, outcome="short", quantity_picked=0) for line in shipment.lines.all()]
    delivery.record_pick(shipment_id=shipment.id, picks=picks)
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "out_of_stock")
    assert order.refunded_paise == order.total_paise == 34000  # the delivery fee too: nothing came
    detail = customer.client.get(f"/api/v1/orders/{order.id}/").json()
    assert detail["payment"]["state"] == "refunded"
    assert [line["outcome"] for line in detail["lines"]] == ["short", "short"]
    shipment.refresh_from_db()
    assert shipment.status == "cancelled"
    assert Slot.objects.get(pk=shipment.slot_id).booked == 0
    milk = Stock.objects.get(store_id=shop.store_id, sku_id=MILK)
    assert (milk.on_hand, milk.reserved) == (100, 0)  # nothing left the shelf, nothing held
    assert not Delivery.objects.exclude(status="done").exists()  # every handler ran cleanly


def test_a_shipment_with_nothing_picked_cannot_be_packed(shop: Shop) -> None:
    from delivery.errors import IllegalTransition

    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    picks = [PickInput(line_id=line.id, outcome="short", quantity_picked=0) for line in shipment.lines.all()]
    delivery.record_pick(shipment_id=shipment.id, picks=picks)  # the order's cancellation not heard yet
    with pytest.raises(IllegalTransition, match="Nothing was picked"):
        delivery.pack_shipment(shipment_id=shipment.id)
    shipment.refresh_from_db()
    assert shipment.status == "picked"
    deliver_pending()
    assert Order.objects.get(pk=order_id).status == "cancelled"
    assert PaymentIntent.objects.get(order_id=order_id).cancelled_at is not None  # no cash to collect
    assert Shipment.objects.get(order_id=order_id).status == "cancelled"
