"""The customer hears what picking changed: each short line, its replacement, and the money."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from delivery.models import Shipment
from notifications import services
from notifications.handlers import adjustment_to_customer
from notifications.models import Notification
from orders.events import AdjustedLine, OrderAdjusted
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from shop.eventbus import publish
from shop.eventbus.context import handling
from shop.eventbus.models import Delivery, InboxEntry, PausedSubscriber
from shop.eventbus.registry import subscriptions
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import ATTA, MILK, Shop, pick

pytestmark = pytest.mark.django_db

SUBSCRIBER = "notifications.adjustment_to_customer"


def _sent() -> list[str]:
    services.send_pending(older_than_seconds=-1)  # what the task would do after commit
    return [message.subject for message in mail.outbox]


def _adjusted_mail() -> str:
    (message,) = [message for message in mail.outbox if "changed at picking" in message.subject]
    return message.body


# --- Through the whole shop: picking short, orders adjusts, the customer hears ---------------


@override_settings(SHOP_PUBLIC_URL="https://shop.example.in")
def test_a_cod_customer_hears_what_was_found_and_what_to_pay_at_the_door(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 3), (ATTA, 1))  # 90 + 260 + 20 delivery = 370.00
    order_id = customer.checkout("cod")
    deliver_pending()

    pick(Shipment.objects.get(order_id=order_id), short={MILK: 2})
    deliver_pending()

    ref = order_id[:8].upper()
    assert _sent() == [f"Your order {ref} is confirmed", f"Your order {ref} changed at picking"]
    assert mail.outbox[1].to == [customer.user.email]
    body = _adjusted_mail()
    assert "- Toned Milk 500 ml: 2 of 3\n" in body
    assert "Atta" not in body  # found in full: not a change
    assert Order.objects.get(pk=order_id).final_total_paise == 34_000
    assert "Please pay ₹340.00 on delivery, ₹30.00 less than at checkout." in body
    assert "refunded" not in body
    assert f"https://shop.example.in/#/orders/{order_id}" in body
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_prepaid_customer_hears_why_a_refund_comes_and_the_refund_is_not_announced_twice(
    shop: Shop, fake: FakeRazorpay
) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 3), (ATTA, 1))
    order_id = customer.checkout("razorpay")
    deliver_pending()
    fake.pay(Order.objects.get(pk=order_id).razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()

    pick(Shipment.objects.get(order_id=order_id), short={MILK: 1})
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    ref = order_id[:8].upper()
    assert _sent() == [
        f"Your order {ref} is confirmed",
        f"Your order {ref} changed at picking",
        f"Refund of ₹60.00 started for order {ref}",
        f"Refund of ₹60.00 for order {ref} is done",
    ]
    body = _adjusted_mail()
    assert "- Toned Milk 500 ml: 1 of 3\n" in body
    assert (
        "For what was missing, ₹60.00 will be refunded to your original payment method; "
        "your order now comes to ₹310.00."
    ) in body
    assert "on delivery" not in body
    assert Notification.objects.filter(kind="order_adjusted").count() == 1


def test_a_redelivered_adjustment_writes_no_second_message(shop: Shop) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 3))
    order_id = customer.checkout("cod")
    deliver_pending()
    pick(Shipment.objects.get(order_id=order_id), short={MILK: 1})
    deliver_pending()
    assert Notification.objects.filter(kind="order_adjusted").count() == 1

    # As if the handler's commit was lost after the message was written: the event comes again.
    Delivery.objects.filter(subscriber=SUBSCRIBER).update(status="pending")
    InboxEntry.objects.filter(subscriber=SUBSCRIBER).delete()
    deliver_pending()

    assert Notification.objects.filter(kind="order_adjusted").count() == 1
    assert _sent().count(f"Your order {order_id[:8].upper()} changed at picking") == 1


# --- The event as orders publishes it, replacements included --------------------------------


@pytest.fixture
def only_notifications() -> None:
    """The adjustments published below are of no real order: the other apps' subscribers wait."""
    for subscription in subscriptions():
        if subscription.event_type is OrderAdjusted and subscription.name != SUBSCRIBER:
            PausedSubscriber.objects.create(subscriber=subscription.name, reason="notifications test")


def _line(name: str, ordered: int, picked: int, refund_paise: int, **fields: object) -> AdjustedLine:
    return AdjustedLine.model_validate(
        {
            "line_id": uuid.uuid4(), "sku_id": uuid.uuid4(), "name": name, "quantity_ordered": ordered,
            "quantity_picked": picked, "refund_paise": refund_paise, **fields,
        }
    )  # fmt: skip


def _adjusted(*lines: AdjustedLine, method: str = "razorpay", customer_id: uuid.UUID | None = None) -> OrderAdjusted:
    refund = sum(line.refund_paise for line in lines)
    return OrderAdjusted.model_validate(
        {
            "order_id": uuid.uuid4(), "customer_id": customer_id or UserFactory().id, "payment_method": method,
            "lines": lines, "refund_paise": refund, "final_total_paise": 50_000 - refund,
        }
    )  # fmt: skip


def _publish(event: OrderAdjusted) -> None:
    with transaction.atomic():
        publish(event, key=event.order_id)
    deliver_pending()


def test_replaced_lines_say_what_came_in_their_place_in_packs_or_grams(only_notifications: None) -> None:
    user = UserFactory(full_name="Asha Rao")
    event = _adjusted(
        _line(
            "Whole Wheat Atta 5 kg", 2, 0, 0,
            replacement_sku_id=uuid.uuid4(), replacement_name="Multigrain Atta 5 kg", quantity_replaced=2,
            replacement_paise=52_000,
        ),
        _line(
            "Tomatoes", 1_000, 600, 1_000, sold_by="weight",
            replacement_sku_id=uuid.uuid4(), replacement_name="Cherry Tomatoes", quantity_replaced=400,
            replacement_paise=3_000,
        ),
        _line("Toned Milk 500 ml", 4, 3, 3_000),
        customer_id=user.id,
    )  # fmt: skip
    _publish(event)

    ref = str(event.order_id)[:8].upper()
    assert _sent() == [f"Your order {ref} changed at picking"]
    assert mail.outbox[0].to == [user.email]
    body = mail.outbox[0].body
    assert body.startswith("Hello Asha Rao,\n")
    assert (
        "- Whole Wheat Atta 5 kg: 0 of 2, replaced by Multigrain Atta 5 kg x 2\n"
        "- Tomatoes: 600 g of 1 kg, replaced by Cherry Tomatoes x 400 g\n"
        "- Toned Milk 500 ml: 3 of 4\n"
    ) in body
    assert (
        "For what was missing, ₹40.00 will be refunded to your original payment method; "
        "your order now comes to ₹460.00."
    ) in body


def test_a_replacement_that_costs_what_was_missing_is_told_with_nothing_refunded(only_notifications: None) -> None:
    cod = _adjusted(
        _line("Paneer 200 g", 2, 1, 0, replacement_sku_id=uuid.uuid4(), replacement_name="Paneer 200 g (Amul)",
              quantity_replaced=1, replacement_paise=9_000),
        method="cod",
    )  # fmt: skip
    prepaid = _adjusted(  # a weighed line, none of it there, all of it replaced: no pack short, no refund
        _line("Tomatoes", 500, 0, 0, sold_by="weight", replacement_sku_id=uuid.uuid4(),
              replacement_name="Tomatoes (hybrid)", quantity_replaced=500, replacement_paise=2_000),
    )  # fmt: skip
    _publish(cod)
    _publish(prepaid)

    assert len(_sent()) == 2
    cod_body, prepaid_body = (message.body for message in mail.outbox)
    assert "- Paneer 200 g: 1 of 2, replaced by Paneer 200 g (Amul) x 1\n" in cod_body
    assert "Please pay ₹500.00 on delivery, as at checkout." in cod_body
    assert "- Tomatoes: 0 g of 500 g, replaced by Tomatoes (hybrid) x 500 g\n" in prepaid_body
    assert "Nothing is refunded: your order still comes to ₹500.00." in prepaid_body
    assert "will be refunded" not in prepaid_body


def test_a_few_grams_light_that_change_no_money_send_nothing_but_grams_worth_money_do(
    only_notifications: None,
) -> None:
    _publish(_adjusted(_line("Green Chillies", 100, 97, 0, sold_by="weight"), method="cod"))
    _publish(_adjusted(_line("Green Chillies", 100, 97, 0, sold_by="weight")))
    assert _sent() == []
    assert not Notification.objects.filter(kind="order_adjusted").exists()
    assert not Delivery.objects.filter(subscriber=SUBSCRIBER).exclude(status="done").exists()

    lighter = _adjusted(_line("Tomatoes", 500, 450, 400, sold_by="weight"), method="cod")
    _publish(lighter)

    assert _sent() == [f"Your order {str(lighter.order_id)[:8].upper()} changed at picking"]
    assert "- Tomatoes: 450 g of 500 g\n" in mail.outbox[0].body
    assert "Please pay ₹496.00 on delivery, ₹4.00 less than at checkout." in mail.outbox[0].body


def test_less_than_a_rupee_back_on_a_prepaid_order_is_no_news_alone_and_never_promised(
    only_notifications: None,
) -> None:
    _publish(_adjusted(_line("Tomatoes", 500, 495, 20, sold_by="weight")))  # 5 g light: 20 paise
    assert _sent() == []

    with_a_pack_short = _adjusted(
        _line("Free sample sachet", 1, 0, 0), _line("Tomatoes", 500, 495, 20, sold_by="weight")
    )
    _publish(with_a_pack_short)

    assert len(_sent()) == 1
    (body,) = [message.body for message in mail.outbox]
    assert "What was missing comes to ₹0.20, less than the ₹1.00 a card or UPI refund can be, so none is sent." in body
    assert "will be refunded" not in body


def test_a_pack_short_is_told_even_when_its_refund_is_nothing(only_notifications: None) -> None:
    event = _adjusted(_line("Free sample sachet", 1, 0, 0), _line("Coriander", 100, 98, 0, sold_by="weight"))
    _publish(event)

    assert len(_sent()) == 1
    body = mail.outbox[0].body
    assert "- Free sample sachet: 0 of 1\n- Coriander: 98 g of 100 g\n" in body
    assert "Nothing is refunded: your order still comes to ₹500.00." in body


def test_the_handler_writes_one_message_per_event_however_often_it_runs() -> None:
    event = _adjusted(_line("Toned Milk 500 ml", 2, 1, 3_000))
    event_id = uuid.uuid4()
    for _ in range(2):
        with (
            transaction.atomic(),
            handling(event_id=event_id, name=event.name, subscriber=SUBSCRIBER, correlation_id="t", request_id=""),
        ):
            adjustment_to_customer(event)

    (message,) = Notification.objects.filter(kind="order_adjusted")
    assert (message.source_event_id, message.order_id, message.customer_id) == (
        event_id,
        event.order_id,
        event.customer_id,
    )
    assert message.status == "pending"
