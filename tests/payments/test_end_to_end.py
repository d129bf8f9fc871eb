"""A customer's click-through over real HTTP: pay page, the fake's checkout, the callback, webhooks."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from html import unescape

import pytest
import requests

from payments import services
from payments.fake_razorpay import FakeRazorpay
from payments.models import PaymentIntent, WebhookEvent

from .conftest import KEY_ID, KEY_SECRET, WEBHOOK_PATH, WEBHOOK_SECRET, start_fake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


@pytest.fixture
def http_fake(settings, live_server) -> Iterator[FakeRazorpay]:
    """A fake that sends its webhooks over HTTP to the live test server."""
    server = start_fake(settings, webhook_url=live_server.url + WEBHOOK_PATH, auto_deliver=False)
    yield server
    server.stop()


def _form(html: str) -> tuple[str, dict[str, str]]:
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', html)[1])
    fields = {
        unescape(n): unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    return action, fields


def test_a_customer_pays_through_the_fake_checkout_and_the_webhooks_confirm_it(http_fake, live_server):
    intent = services.request_payment(order_id=uuid.uuid4(), amount_paise=45_000)
    browser = requests.Session()

    to_checkout = browser.get(f"{live_server.url}/payments/pay/{intent.id}/", allow_redirects=False, timeout=5)
    assert to_checkout.status_code == 302
    page = browser.get(to_checkout.headers["Location"], timeout=5)
    assert "Pay &#8377;450.00" in page.text
    action, fields = _form(page.text)
    assert action == f"/checkout/{intent.razorpay_order_id}/pay"

    # The customer clicks "pay": the fake answers with a form that posts to our callback.
    redirect = browser.post(http_fake.url + action, data={**fields, "outcome": "pay"}, timeout=5)
    callback_url, callback_fields = _form(redirect.text)
    assert callback_url == f"{live_server.url}/payments/razorpay/callback/{intent.id}/"
    assert set(callback_fields) == {"razorpay_payment_id", "razorpay_order_id", "razorpay_signature"}
    landed = browser.post(callback_url, data=callback_fields, timeout=5)
    assert landed.status_code == 200
    assert "Payment received" in landed.text

    sent = http_fake.deliver_webhooks()

    assert [status for _, status in sent] == [200, 200, 200]
    intent = PaymentIntent.objects.get(id=intent.id)
    assert intent.status == "captured"
    assert intent.client_verified_at is not None
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_a_forged_webhook_over_http_is_refused(http_fake, live_server):
    body = b'{"entity":"event","event":"payment.captured","payload":{}}'

    response = requests.post(
        live_server.url + WEBHOOK_PATH,
        data=body,
        headers={"X-Razorpay-Signature": "f" * 64, "X-Razorpay-Event-Id": "evt_forged0001"},
        timeout=5,
    )

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_the_running_fake_delivers_delayed_webhooks_by_itself(settings, live_server):
    """The make-run mode: webhooks sent from the fake's own thread, after a delay."""
    server = FakeRazorpay(
        key_id=KEY_ID,
        key_secret=KEY_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        webhook_url=live_server.url + WEBHOOK_PATH,
    ).start()
    server.knobs.webhook_delay = 0.2
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = KEY_ID, KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET, settings.RAZORPAY_BASE_URL = WEBHOOK_SECRET, server.url
    try:
        intent = services.request_payment(order_id=uuid.uuid4(), amount_paise=45_000)
        server.pay(intent.razorpay_order_id)
        deadline = time.monotonic() + 20
        while len(server.deliveries) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()

    assert [status for _, status in server.deliveries] == [200, 200, 200]
    assert PaymentIntent.objects.get(id=intent.id).status == "captured"
