"""The pay page against the real Razorpay: checkout.js opens at once, with the way back to the order."""

from __future__ import annotations

import json

import pytest

from .helpers import request

pytestmark = pytest.mark.django_db


def test_the_pay_page_opens_razorpays_checkout_as_it_loads_and_links_back_to_the_order(fake, client, settings):
    intent = request(54_000)
    settings.RAZORPAY_BASE_URL = "https://api.razorpay.com"

    response = client.get(f"/payments/pay/{intent.id}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="https://checkout.razorpay.com/v1/checkout.js"></script>' in page
    assert page.rstrip().count("checkout.open();") == 2  # on load, and again from the button
    assert "ondismiss" in page
    assert f'<a href="/#/orders/{intent.order_id}" id="back-to-order">Back to your order</a>' in page
    assert '<p id="pay-status" role="status" aria-live="polite">' in page
    options = json.loads(page.split('<script id="razorpay-options" type="application/json">')[1].split("</script>")[0])
    assert options["order_id"] == intent.razorpay_order_id
    assert options["amount"] == 54_000
    assert options["callback_url"] == f"http://testserver/payments/razorpay/callback/{intent.id}/"
