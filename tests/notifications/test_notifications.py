"""Customers hear about their order (confirmed to delivered, refunds); staff get alerts."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from delivery import services as delivery
from delivery.models import Shipment
from inventory.events import StockLow
from notifications import messages, services
from notifications.models import Notification
from orders.models import Order
from payments.events import WebhookAbandoned
from payments.fake_razorpay import FakeRazorpay
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import deliver_pending
from tests.e2e.conftest import ATTA, MILK, Shop, pick

pytestmark = pytest.mark.django_db


def _sent() -> list[tuple[str, list[str]]]:
    services.send_pending(older_than_seconds=-1)  # what the task would do after commit
    return [(message.subject, message.to) for message in mail.outbox]


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


@override_settings(SHOP_PUBLIC_URL="https://shop.example.in")
def test_a_cod_customer_hears_from_confirmation_to_the_doorstep(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    ref = order_id[:8].upper()

    assert _sent() == [(f"Your order {ref} is confirmed", [customer.user.email])]
    body = mail.outbox[0].body
    assert "₹340.00" in body
    # What was bought, the money, when and where it comes.
    assert "x 2: ₹60.00\n" in body
    assert "x 1: ₹260.00\n" in body
    assert "Items: ₹320.00\nDelivery and fees: ₹20.00\nTotal: ₹340.00, to pay on delivery" in body
    assert f"Delivery: {messages.slot_window(shop.slot.starts_at, shop.slot.ends_at)}\n" in body
    assert "Coupon" not in body
    # The link opens the web shop's order page (the storefront's hash route), not the JSON API.
    assert _links(mail.outbox[0].body) == [f"https://shop.example.in/#/orders/{order_id}"]

    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=Order.objects.get(pk=order_id).total_paise)
    deliver_pending()

    assert [subject for subject, _ in _sent()] == [
        f"Your order {ref} is confirmed",
        f"Your order {ref} is packed",
        f"Your order {ref} is on its way",
        f"Your order {ref} was delivered",
    ]
    # Every message links the order's page; once delivered, the GST invoice is there.
    for message in mail.outbox:
        assert _links(message.body) == [f"https://shop.example.in/#/orders/{order_id}"], message.body
    assert "tax invoice" in mail.outbox[-1].body
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_redelivered_event_writes_no_second_message(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    customer.checkout("cod")
    deliver_pending()
    Delivery.objects.filter(subscriber="notifications.confirm_to_customer").update(status="pending")
    from shop.eventbus.models import InboxEntry

    InboxEntry.objects.filter(subscriber="notifications.confirm_to_customer").delete()  # as if it never committed

    deliver_pending()
    assert Notification.objects.filter(kind="order_confirmed").count() == 1
    assert len(_sent()) == 1


@override_settings(SHOP_PUBLIC_URL="https://shop.example.in/")  # a trailing slash is dropped
def test_refunds_are_announced_with_the_bank_reference(shop: Shop, fake: FakeRazorpay) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    fake.pay(Order.objects.get(pk=order_id).razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    assert customer.client.post(f"/api/v1/orders/{order_id}/cancel/").status_code == 200
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    subjects = [subject for subject, _ in _sent()]
    ref = order_id[:8].upper()
    assert subjects == [
        f"Your order {ref} is confirmed",
        f"Your order {ref} was cancelled",
        f"Refund of ₹340.00 started for order {ref}",
        f"Refund of ₹340.00 for order {ref} is done",
    ]
    assert all("/api/" not in message.body for message in mail.outbox)
    assert _links(mail.outbox[1].body) == [f"https://shop.example.in/#/orders/{order_id}"]  # the cancellation
    bank_reference = Order.objects.get(pk=order_id).refunds.get().bank_reference
    assert bank_reference
    assert bank_reference in mail.outbox[-1].body


@override_settings(SHOP_STAFF_EMAILS=["ops@example.in", "lead@example.in"])
def test_staff_hear_about_low_stock_by_name_with_a_link_to_the_stock(shop: Shop) -> None:
    stock_id = uuid.uuid4()
    low = StockLow(
        store_id=shop.store_id,
        sku_id=MILK,
        available=1500,
        threshold=2000,
        stock_id=stock_id,
        sku_code="ATTA-5KG",
        sku_name="Whole wheat atta",
        base_unit="g",
        store_code="blr-indiranagar",
        store_title="Indiranagar",
    )
    with override_settings(SHOP_PUBLIC_URL="https://shop.example.in"), transaction.atomic():
        publish(low, key="k")
    with override_settings(SHOP_PUBLIC_URL="https://shop.example.in"):
        deliver_pending()
    subject = "Stock low: Whole wheat atta (ATTA-5KG) at Indiranagar (blr-indiranagar) (1.5 kg left)"
    assert _sent() == [(subject, ["ops@example.in", "lead@example.in"])]
    body = mail.outbox[0].body
    assert "1.5 kg sellable, at or below its low-stock threshold of 2 kg" in body
    assert f"https://shop.example.in/admin/inventory/stock/{stock_id}/change/" in body


@override_settings(SHOP_STAFF_EMAILS=["ops@example.in"])
def test_a_low_stock_event_from_before_the_names_still_reaches_staff(shop: Shop) -> None:
    with transaction.atomic():
        publish(StockLow(store_id=shop.store_id, sku_id=MILK, available=3, threshold=5), key="k")
    deliver_pending()
    assert _sent() == [(f"Stock low: SKU {MILK} at store {shop.store_id} (3 left)", ["ops@example.in"])]


@override_settings(SHOP_STAFF_EMAILS=["ops@example.in"], SHOP_PUBLIC_URL="https://shop.example.in")
def test_staff_hear_when_a_subscriber_gives_up_on_an_event(shop: Shop) -> None:
    with transaction.atomic():
        event_id = publish(StockLow(store_id=shop.store_id, sku_id=MILK, available=3, threshold=5), key="k")
    EventRecord.objects.filter(event_id=event_id).update(payload={"available": "three"})  # breaks the contract

    deliver_pending()

    dead = Delivery.objects.get(event__event_id=event_id, subscriber="notifications.stock_low_to_staff")
    assert dead.status == "dead"
    subject = f"Dead letter: notifications.stock_low_to_staff gave up on {StockLow.name} (contract)"
    assert _sent() == [(subject, ["ops@example.in"])]
    body = mail.outbox[0].body
    assert f"https://shop.example.in/admin/eventbus/deadletter/{dead.id}/change/" in body
    assert f"manage.py eventbus replay {dead.id}" in body


@override_settings(SHOP_STAFF_EMAILS=["ops@example.in"], SHOP_PUBLIC_URL="https://shop.example.in")
def test_staff_hear_when_a_razorpay_webhook_is_given_up(shop: Shop) -> None:
    order_id = uuid.uuid4()
    abandoned = WebhookAbandoned(
        webhook_id=42,
        razorpay_event_id="evt_abc123",
        event_type="refund.processed",
        order_id=order_id,
        attempts=10,
        error="RefundNotVisibleYet: refund 1234 is not (yet) in our records",
    )
    with transaction.atomic():
        publish(abandoned, key=order_id)
    deliver_pending()
    deliver_pending()  # redelivered or not: one message

    assert _sent() == [("Razorpay webhook refund.processed not applied after 10 attempts", ["ops@example.in"])]
    body = mail.outbox[0].body
    assert f"evt_abc123 (order {order_id})" in body
    assert "RefundNotVisibleYet: refund 1234" in body
    assert "https://shop.example.in/admin/payments/webhookevent/42/change/" in body
    assert Notification.objects.get().order_id == order_id


class BrokenMailServer:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("the mail server is down")


@override_settings(EMAIL_BACKEND="tests.notifications.test_notifications.BrokenMailServer")
def test_a_mail_server_down_is_retried_then_given_up_visibly(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    customer.checkout("cod")
    deliver_pending()
    for _ in range(services.MAX_ATTEMPTS):
        services.send_pending(older_than_seconds=-1)
    notification = Notification.objects.get(kind="order_confirmed")
    assert (notification.status, notification.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert "mail server is down" in notification.last_error
    assert services.send_pending(older_than_seconds=-1) == 0  # failed ones wait for staff


def test_the_message_is_sent_after_commit_by_a_task(shop: Shop, django_capture_on_commit_callbacks) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 1))
    customer.checkout("cod")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_pending()
    assert [message.to for message in mail.outbox] == [[customer.user.email]]
    assert Notification.objects.get().status == "sent"


@override_settings(SHOP_STAFF_EMAILS=["store@example.in"], SHOP_PUBLIC_URL="https://shop.example.in")
def test_staff_hear_that_a_returned_shipment_is_back_with_what_to_put_on_the_shelf(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment, short={MILK: 1})
    deliver_pending()
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.fail_delivery(shipment_id=shipment.id, reason="customer_unavailable")
    delivery.return_shipment(shipment_id=shipment.id)
    deliver_pending()

    services.send_pending(older_than_seconds=-1)
    staff = [message for message in mail.outbox if message.to == ["store@example.in"]]
    assert [message.subject for message in staff] == [
        f"Shipment {shipment.tracking_code} is back at the store: put its goods back"
    ]
    body = staff[0].body
    assert "- Toned Milk 500 ml: 1\n" in body  # what was picked, not what was ordered
    assert f"order {order_id[:8].upper()}" in body
    assert f"https://shop.example.in/admin/inventory/stock/?store__id__exact={shop.store_id}" in body


@override_settings(SHOP_STAFF_EMAILS=["store@example.in"], SHOP_PUBLIC_URL="https://shop.example.in")
def test_staff_hear_that_an_order_cancelled_after_picking_has_goods_to_put_back(shop: Shop) -> None:
    from orders import services as orders

    picked, unpicked = shop.customer(), shop.customer()
    picked.fill_cart((MILK, 2), (ATTA, 1))
    unpicked.fill_cart((MILK, 1))
    picked_id, unpicked_id = picked.checkout("cod"), unpicked.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=picked_id)
    pick(shipment, short={MILK: 1})
    deliver_pending()
    orders.cancel_order(order_id=picked_id, by_staff=True, note="customer rang")
    orders.cancel_order(order_id=unpicked_id)  # its shipment not picked yet: the stock is simply released
    deliver_pending()

    services.send_pending(older_than_seconds=-1)
    staff = [message for message in mail.outbox if message.to == ["store@example.in"]]
    assert [message.subject for message in staff] == [
        f"Order {picked_id[:8].upper()} was cancelled after picking: put its goods back ({shipment.tracking_code})"
    ]
    body = staff[0].body
    assert "- Toned Milk 500 ml: 1\n" in body  # what was picked, not what was ordered
    assert '"Receive stock"' in body
    assert f"https://shop.example.in/admin/inventory/stock/?store__id__exact={shop.store_id}" in body


@pytest.mark.parametrize(
    ("channel", "reference", "said"),
    [
        ("cash", "", "in cash."),
        ("upi", "412345678901", "by UPI (reference 412345678901)."),
        ("bank_transfer", "UTR0001", "by bank transfer (reference UTR0001)."),
    ],
)
def test_a_refund_the_store_paid_says_how_and_sends_nobody_to_their_bank(
    channel: str, reference: str, said: str
) -> None:
    from notifications.messages import paid_by, render
    from notifications.models import Notification

    subject, body = render(
        Notification.Kind.REFUND_PROCESSED,
        order_id=uuid.uuid4(),
        order_url="https://shop.example.in/#/orders/1",
        amount_paise=3000,
        paid_by=paid_by(channel, reference),
    )

    assert subject.startswith("Refund of ₹30.00 for order")
    assert "The store has refunded ₹30.00 for order" in body
    assert said in body
    assert "working days" not in body
    assert "Bank reference" not in body


def test_a_slot_window_reads_in_india_s_time_on_a_twelve_hour_clock() -> None:
    from datetime import UTC, datetime

    starts = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)  # 18:00 IST
    assert messages.slot_window(starts, starts.replace(hour=14, minute=30)) == "Wed 25 Nov, 6:00 pm to 8:00 pm"
    midnight = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)  # 00:00 IST on the 26th
    assert messages.slot_window(midnight, midnight.replace(hour=19, minute=0)) == "Thu 26 Nov, 12:00 am to 12:30 am"
    assert messages.slot_window(None, None) == "in the slot you chose"
