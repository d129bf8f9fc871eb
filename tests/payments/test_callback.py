"""Checkout's callback: the signature is checked against OUR stored order id; it marks client-verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import gateway, services
from payments.events import PaymentCaptured
from payments.models import PaymentIntent
from shop.eventbus.testing import captured_events

from .helpers import request

pytestmark = pytest.mark.django_db


def _callback(client, intent: PaymentIntent, fields: dict[str, str]):
    return client.post(f"/payments/razorpay/callback/{intent.id}/", data=fields)


def _callback_fetching_with(fetch, monkeypatch, client, intent: PaymentIntent, fields: dict[str, str]):
    """The callback, with Razorpay's payment fetch answered by `fetch`; returns (response, events published)."""
    monkeypatch.setattr(gateway, "fetch_payment", fetch)
    with captured_events() as published:
        response = _callback(client, intent, fields)
    return response, published


def test_a_valid_callback_marks_client_verified_and_confirms_by_fetching_the_payment(fake, client):
    intent = request(45_000)
    fields = fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        response = _callback(client, intent, fields)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Payment received" in page
    assert "₹450.00 paid" in page
    # The customer is taken back to the order in the web shop.
    assert f'content="3;url=/#/orders/{intent.order_id}"' in page
    assert f'href="/#/orders/{intent.order_id}"' in page
    intent.refresh_from_db()
    assert intent.client_verified_at is not None
    assert intent.razorpay_payment_id == fields["razorpay_payment_id"]
    # Money is confirmed by Razorpay (a fetch here), never by the browser's word alone.
    assert intent.status == "captured"
    assert [type(e) for e in published] == [PaymentCaptured]
    assert list(intent.transitions.values_list("to_status", "source")) == [
        ("pending", "service"),
        ("created", "service"),
        ("attempted", "callback"),
        ("captured", "callback"),
    ]


def test_a_verified_callback_for_an_authorised_payment_is_not_paid_until_captured(fake, client):
    intent = request(45_000)
    fake.ledger.orders[intent.razorpay_order_id]["_capture"] = "manual"  # Razorpay's auto-capture did not happen
    fields = fake.pay(intent.razorpay_order_id)

    with captured_events() as published:
        response = _callback(client, intent, fields)

    intent.refresh_from_db()
    assert response.status_code == 200
    assert b"being confirmed" in response.content
    assert intent.status == "authorized"
    assert published == []

    # Still uncaptured after the grace period: the reconciler captures the full amount.
    PaymentIntent.objects.filter(id=intent.id).update(updated_at=timezone.now() - timedelta(minutes=6))
    with captured_events() as published:
        services.reconcile()

    intent.refresh_from_db()
    assert intent.status == "captured"
    assert fake.ledger.payments[fields["razorpay_payment_id"]]["status"] == "captured"
    assert [type(e) for e in published] == [PaymentCaptured]


def test_a_forged_signature_is_refused_and_nothing_changes(fake, client):
    intent = request(45_000)
    fields = fake.pay(intent.razorpay_order_id)
    fields["razorpay_signature"] = "0" * 64

    with captured_events() as published:
        response = _callback(client, intent, fields)

    assert response.status_code == 400
    intent.refresh_from_db()
    assert (intent.status, intent.client_verified_at, intent.razorpay_payment_id) == ("created", None, "")
    assert published == []


def test_a_valid_signature_for_another_order_is_refused(fake, client):
    mine = request(45_000)
    other = request(100)
    # A genuine, correctly signed callback, but for the other (cheaper) order.
    fields = fake.pay(other.razorpay_order_id)

    with captured_events() as published:
        response = _callback(client, mine, fields)

    assert response.status_code == 400
    assert b"does not match" in response.content
    mine.refresh_from_db()
    assert (mine.status, mine.client_verified_at, mine.razorpay_payment_id) == ("created", None, "")
    assert published == []


def test_a_signature_for_another_order_with_our_order_id_echoed_is_refused(fake, client):
    mine = request(45_000)
    other = request(100)
    fields = fake.pay(other.razorpay_order_id)
    fields["razorpay_order_id"] = mine.razorpay_order_id  # echo ours; the signature is still theirs

    response = _callback(client, mine, fields)

    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.client_verified_at is None


def test_a_failed_checkout_shows_the_failure_and_changes_nothing(fake, client):
    intent = request(45_000)
    fields = fake.fail(intent.razorpay_order_id)

    response = _callback(client, intent, fields)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Payment failed" in page
    assert f'href="/#/orders/{intent.order_id}"' in page  # where the customer can try again
    assert "http-equiv" not in page
    # Razorpay's order takes another try: the page offers it, and it opens checkout again.
    assert f'<a href="/payments/pay/{intent.id}/" id="try-again">' in page
    assert "order is cancelled" not in page
    intent.refresh_from_db()
    assert intent.status == "created"  # the payment.failed webhook will say so
    fake.deliver_webhooks()
    retry = client.get(f"/payments/pay/{intent.id}/")
    assert retry.status_code == 302
    assert intent.razorpay_order_id in retry["Location"]


def test_a_failed_attempt_on_an_order_already_called_off_offers_no_retry(fake, client):
    intent = request(45_000)
    fields = fake.fail(intent.razorpay_order_id)
    services.cancel_payment(order_id=intent.order_id, reason="payment_failed")

    page = _callback(client, intent, fields).content.decode()

    assert "try-again" not in page
    assert "the order is cancelled" in page


def test_the_pay_page_sends_the_browser_to_the_fake_checkout(fake, client):
    intent = request(45_000)

    response = client.get(f"/payments/pay/{intent.id}/")

    assert response.status_code == 302
    assert response["Location"] == (
        f"{fake.url}/checkout/{intent.razorpay_order_id}"
        f"?callback_url=http%3A%2F%2Ftestserver%2Fpayments%2Frazorpay%2Fcallback%2F{intent.id}%2F"
    )


def test_the_pay_page_refuses_a_cancelled_order(fake, client):
    intent = request(45_000)
    services.cancel_payment(order_id=intent.order_id, reason="slot unavailable")

    response = client.get(f"/payments/pay/{intent.id}/")

    assert response.status_code == 404
    assert b"Nothing to pay" in response.content


def test_when_razorpay_cannot_be_asked_the_callback_marks_client_verified_and_waits(fake, client, monkeypatch):
    intent = request(45_000)
    fields = fake.pay(intent.razorpay_order_id)

    def unavailable(payment_id: str) -> dict[str, object]:
        raise gateway.Unavailable("502 Bad Gateway")

    response, published = _callback_fetching_with(unavailable, monkeypatch, client, intent, fields)

    assert response.status_code == 200
    assert b"being confirmed" in response.content
    intent.refresh_from_db()
    # The browser's word alone moves no money: attempted, verified, and the webhooks will tell.
    assert (intent.status, intent.razorpay_payment_id) == ("attempted", fields["razorpay_payment_id"])
    assert intent.client_verified_at is not None
    assert published == []


def test_a_callback_after_the_capture_webhook_asks_razorpay_nothing(fake, client, monkeypatch):
    intent = request(45_000)
    fields = fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()  # Razorpay's webhooks won the race: the money is known
    intent.refresh_from_db()
    assert intent.status == "captured"

    def no_fetch(payment_id: str) -> dict[str, object]:
        raise AssertionError(f"fetched {payment_id} although its capture is known")

    response, published = _callback_fetching_with(no_fetch, monkeypatch, client, intent, fields)

    assert response.status_code == 200
    assert b"Payment received" in response.content
    intent.refresh_from_db()
    assert intent.client_verified_at is not None
    assert intent.status == "captured"
    assert published == []  # captured once, by the webhook


def test_a_payment_arriving_after_the_order_was_cancelled_says_so_and_that_it_is_refunded(fake, client):
    intent = request(31_300)
    fields = fake.pay(intent.razorpay_order_id)
    services.cancel_payment(order_id=intent.order_id, reason="payment_failed")  # the order was called off first

    page = _callback(client, intent, fields).content.decode()

    assert "This order was cancelled" in page
    assert "₹313.00" in page
    assert "being refunded" in page
    assert "Payment received" not in page
    assert f'href="/#/orders/{intent.order_id}"' in page
