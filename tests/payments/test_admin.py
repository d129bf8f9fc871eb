"""Staff screens: the intent with its history, the refund form, the webhook inbox."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import CHANGE

from payments.models import Refund, WebhookEvent
from tests.accounts.factories import UserFactory
from tests.history import admin_history

from .helpers import paid_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(email="staff@example.in", is_staff=True, is_superuser=True))
    return client


def test_the_intent_page_shows_its_razorpay_ids_and_history(fake, staff_client):
    intent = paid_intent(fake)

    response = staff_client.get(f"/admin/payments/paymentintent/{intent.pk}/change/")

    assert response.status_code == 200
    assert intent.razorpay_order_id.encode() in response.content
    assert intent.razorpay_payment_id.encode() in response.content
    assert response.content.count(b"webhook") >= 2  # history rows from the webhooks


def test_the_refund_form_refunds_once_even_when_submitted_twice(fake, staff_client):
    intent = paid_intent(fake)
    url = f"/admin/payments/paymentintent/{intent.pk}/refund/"
    form = {"amount": "25.00", "reason": "bruised", "idempotency_key": "admin-form-key-0001"}

    assert staff_client.get(url).status_code == 200
    first = staff_client.post(url, form)
    second = staff_client.post(url, form)

    assert first.status_code == second.status_code == 302
    assert Refund.objects.get().amount_paise == 2500
    assert len(fake.ledger.refunds) == 1
    shown = [str(message) for message in staff_client.get(second.url).context["messages"]]
    assert shown == ["Refund of ₹25.00 is pending."] * 2  # asked of Razorpay at once: no transaction to wait for
    assert admin_history(intent) == [("staff@example.in", CHANGE, "Refunded ₹25.00 (pending): bruised")]  # once


def test_asking_razorpay_and_processing_a_webhook_again_are_recorded(fake, staff_client):
    intent = paid_intent(fake)
    event = WebhookEvent.objects.filter(event_type="payment.captured").get()
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.FAILED)

    fetch = {"action": "fetch_from_razorpay", "_selected_action": [intent.pk]}
    staff_client.post("/admin/payments/paymentintent/", fetch)
    staff_client.post("/admin/payments/webhookevent/", {"action": "reprocess", "_selected_action": [event.pk]})

    assert admin_history(intent) == [("staff@example.in", CHANGE, "Asked Razorpay about the payment: it is captured")]
    assert admin_history(event) == [("staff@example.in", CHANGE, "Processed the event again: processed")]


def test_the_refund_form_shows_a_refusal(fake, staff_client):
    intent = paid_intent(fake, 45_000)

    response = staff_client.post(
        f"/admin/payments/paymentintent/{intent.pk}/refund/",
        {"amount": "450.01", "reason": "x", "idempotency_key": "admin-form-key-0002"},
    )

    assert response.status_code == 200
    assert "Only ₹450.00 is left to refund" in response.content.decode()
    assert Refund.objects.count() == 0


def test_the_webhook_inbox_lists_events(fake, staff_client):
    paid_intent(fake)

    response = staff_client.get("/admin/payments/webhookevent/")

    assert response.status_code == 200
    assert b"payment.captured" in response.content


def test_staff_read_money_in_rupees_and_refund_in_rupees(fake, staff_client):
    intent = paid_intent(fake, 45_000)

    listing = staff_client.get("/admin/payments/paymentintent/").content.decode()
    assert "₹450.00" in listing
    form_page = staff_client.get(f"/admin/payments/paymentintent/{intent.pk}/refund/").content.decode()
    assert "captured ₹450.00, ₹450.00 left to refund" in form_page

    too_fine = staff_client.post(
        f"/admin/payments/paymentintent/{intent.pk}/refund/",
        {"amount": "10.005", "reason": "x", "idempotency_key": "admin-form-key-0003"},
    )
    assert too_fine.status_code == 200
    assert "decimal places" in too_fine.content.decode()
    assert Refund.objects.count() == 0


def test_a_cancelled_cash_on_delivery_intent_says_so_and_offers_no_refund(staff_client):
    import uuid

    from payments import services

    order_id = uuid.uuid4()
    intent = services.request_payment(order_id=order_id, amount_paise=34_000, method="cod")
    services.cancel_payment(order_id=order_id, reason="customer_cancelled")

    listing = staff_client.get("/admin/payments/paymentintent/?cancelled=yes").content.decode()
    assert "cancelled: nothing to collect" in listing
    page = staff_client.get(f"/admin/payments/paymentintent/{intent.pk}/change/").content.decode()
    assert "Cash on delivery: money goes back in cash" in page
    assert f"/admin/payments/paymentintent/{intent.pk}/refund/" not in page


def test_support_finds_a_payment_by_the_orders_short_id_or_the_customers_email(fake, staff_client):
    from .helpers import request

    asha = UserFactory(email="asha.rao@example.in")
    mine = request(30_000, customer_id=asha.id)
    other = request(40_000)

    def listed(term: str) -> set[str]:
        page = staff_client.get("/admin/payments/paymentintent/", {"q": term}).content.decode()
        return {str(intent.order_id) for intent in (mine, other) if str(intent.order_id) in page}

    assert listed(str(mine.order_id)[:8]) == {str(mine.order_id)}
    assert listed("asha.rao@example.in") == {str(mine.order_id)}
    assert listed(str(other.order_id)) == {str(other.order_id)}


def test_the_intent_and_refund_pages_show_rupees_and_lead_to_the_order(fake, staff_client):
    from payments import services

    intent = paid_intent(fake, 45_000)
    services.refund_payment(
        order_id=intent.order_id, amount_paise=15_050, idempotency_key="admin-test-0001", reason="x"
    )

    page = staff_client.get(f"/admin/payments/paymentintent/{intent.pk}/change/").content.decode()
    refunds = staff_client.get("/admin/payments/refund/").content.decode()
    by_short_id = staff_client.get("/admin/payments/refund/", {"q": str(intent.order_id)[:8]})

    assert "₹450.00 asked, ₹450.00 captured, ₹150.50 refunded or on its way" in page
    assert "refund ₹150.50 requested" in page  # the history in rupees too
    # Paise never shown as a number of their own (random ids and bank references may hold the digits).
    assert not re.search(r"(?<![\w.])(45000|15050)(?![\w])", page)
    assert f'/admin/orders/order/{intent.order_id}/change/">{intent.order_id}</a>' in page
    assert f'/admin/orders/order/{intent.order_id}/change/">{str(intent.order_id)[:8]}</a>' in refunds
    assert [r.intent_id for r in by_short_id.context["cl"].result_list] == [intent.id]
