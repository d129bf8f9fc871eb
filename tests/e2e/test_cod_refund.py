"""End to end: a cash-on-delivery order, delivered and paid in cash, then refunded in part by the
store (in cash) from the admin: payments records it, orders books the refund and its GST credit
note, and the customer is told how the money came back."""

import pytest
from django.core import mail
from django.test import override_settings

from delivery import services as delivery
from delivery.models import Shipment
from notifications import services as notifications
from notifications.models import Notification
from orders.models import CreditNote, Order, OrderRefund
from payments.models import PaymentIntent, Refund
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory

from .conftest import ATTA, MILK, Shop, pick

pytestmark = pytest.mark.django_db


@override_settings(SHOP_PUBLIC_URL="https://shop.example.in")
def test_a_delivered_cash_order_refunded_in_cash_gets_its_credit_note_and_email(shop: Shop, client) -> None:
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    pick(shipment)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=Order.objects.get(pk=order_id).total_paise)
    deliver_pending()
    intent = PaymentIntent.objects.get(order_id=order_id)
    assert (intent.status, intent.captured_paise) == ("captured", 34_000)
    notifications.send_pending(older_than_seconds=-1)
    mail.outbox.clear()

    # A pack of milk came back bruised: the store hands ₹30 back in cash and records it.
    client.force_login(UserFactory(email="store@example.in", is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/payments/paymentintent/{intent.pk}/offline-refund/",
        {"amount": "30.00", "channel": "cash", "reference": "", "reason": "bruised milk pack",
         "idempotency_key": "admin-e2e-cash-0001"},
    )  # fmt: skip
    assert response.status_code == 302
    deliver_pending()

    refund = Refund.objects.get(intent=intent)
    assert (refund.status, refund.channel, refund.amount_paise) == ("processed", "cash", 3_000)
    order = Order.objects.get(pk=order_id)
    assert (order.status, order.payment_state, order.paid_paise, order.refunded_paise) == (
        "delivered", "collected", 34_000, 3_000,
    )  # fmt: skip
    booked = OrderRefund.objects.get(order=order)
    assert (booked.refund_id, booked.status, booked.reason, booked.after_invoice) == (
        refund.id, "processed", "bruised milk pack", True,
    )  # fmt: skip
    note = CreditNote.objects.get(refund_id=refund.id)
    assert (note.invoice.order_id, note.total_paise, note.reason) == (order.id, 3_000, "bruised milk pack")
    assert note.taxable_paise + note.cgst_paise + note.sgst_paise + note.igst_paise == 3_000

    notifications.send_pending(older_than_seconds=-1)
    ref = order_id[:8].upper()
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (f"Refund of ₹30.00 for order {ref} is done", [customer.user.email])
    ]  # one message: no "banks take 5-7 days" for cash already in hand
    assert "The store has refunded ₹30.00 for order" in mail.outbox[0].body
    assert "in cash" in mail.outbox[0].body
    assert "bank" not in mail.outbox[0].body.lower()
    assert set(Notification.objects.filter(kind__startswith="refund").values_list("kind", flat=True)) == {
        "refund_processed"
    }
    assert not Delivery.objects.exclude(status="done").exists()  # every handler ran cleanly
