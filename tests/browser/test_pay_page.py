"""The pay page against the real Razorpay (not the local fake): it opens Razorpay's checkout as
it loads, and a customer who closes the modal is told what now, with the way back to the order.

No browser here reaches checkout.razorpay.com: the page as the shop renders it is served to
Chromium with a stand-in checkout.js that records what the page asks of it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.payments.conftest import fake  # noqa: F401 - the fake Razorpay fixture that creates the intent
from tests.payments.helpers import request

if TYPE_CHECKING:
    from django.test import Client
    from playwright.sync_api import Page

    from payments.models import PaymentIntent

# Transactional: with Playwright's loop running, the ORM here is on a connection of its own
# (autocommit), so what the test writes is committed and must be flushed after it.
pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example.in"
CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"
# Razorpay's constructor and open(), as checkout.js has them; each call is recorded.
STAND_IN = """
window.opened = 0;
window.Razorpay = function (options) { window.razorpayOptions = options; };
window.Razorpay.prototype.open = function () { window.opened += 1; };
"""


def _serve_pay_page(page: Page, client: Client, settings: Any, intent: PaymentIntent, *, checkout_js: bool) -> None:
    settings.RAZORPAY_BASE_URL = "https://api.razorpay.com"  # not local: the shop renders its pay page
    response = client.get(f"/payments/pay/{intent.id}/", HTTP_HOST="shop.example.in", secure=True)
    assert response.status_code == 200
    html = response.content.decode()
    page.route(f"{SHOP}/pay", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    if checkout_js:
        page.route(CHECKOUT_JS, lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN))
    else:
        page.route(CHECKOUT_JS, lambda route: route.abort("internetdisconnected"))
    page.goto(f"{SHOP}/pay")


@pytest.mark.usefixtures("fake")
def test_the_pay_page_opens_checkout_at_once_and_a_closed_modal_leads_back_to_the_order(
    page: Page, client: Client, settings: Any
) -> None:
    from playwright.sync_api import expect

    intent = request(54_000)
    _serve_pay_page(page, client, settings, intent, checkout_js=True)

    # Opened as the page loads, for this intent's Razorpay order, posting back to our callback.
    expect(page.locator("#pay-status")).to_have_text("Opening Razorpay's secure checkout for ₹540.00…")
    assert page.evaluate("window.opened") == 1
    options = page.evaluate("JSON.stringify(window.razorpayOptions)")
    assert json.loads(options)["order_id"] == intent.razorpay_order_id
    assert json.loads(options)["callback_url"] == f"{SHOP}/payments/razorpay/callback/{intent.id}/"

    # The customer closes Razorpay's modal: told in words, on the button that opens it again.
    page.evaluate("window.razorpayOptions.modal.ondismiss()")
    status = page.locator("#pay-status")
    expect(status).to_contain_text("Payment not completed; nothing was charged. Pay ₹540.00 to try again")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(page.locator("#pay")).to_be_focused()
    back = page.locator("#back-to-order")
    expect(back).to_have_text("Back to your order")
    expect(back).to_have_attribute("href", f"/#/orders/{intent.order_id}")

    page.click("#pay")
    assert page.evaluate("window.opened") == 2
    expect(status).to_have_text("Opening Razorpay's secure checkout for ₹540.00…")


@pytest.mark.usefixtures("fake")
def test_the_pay_page_says_so_when_razorpays_checkout_cannot_load(page: Page, client: Client, settings: Any) -> None:
    from playwright.sync_api import expect

    intent = request(54_000)
    _serve_pay_page(page, client, settings, intent, checkout_js=False)

    expect(page.locator("#pay-status")).to_contain_text("Razorpay's checkout could not be loaded.")
    expect(page.locator("#pay")).to_be_hidden()
    expect(page.locator("#back-to-order")).to_have_attribute("href", f"/#/orders/{intent.order_id}")


def test_after_paying_back_from_the_order_leaves_it_and_never_returns_to_the_callback_page(
    page: Page,
    client: Client,
    fake: Any,  # noqa: F811 - the fixture imported above
) -> None:
    """The callback page goes on to the order by replacing itself in history: Back from the
    order goes to where the customer was before, not to this page (which would send them forward)."""
    from playwright.sync_api import expect

    intent = request(45_000)
    response = client.post(f"/payments/razorpay/callback/{intent.id}/", data=fake.pay(intent.razorpay_order_id))
    assert response.status_code == 200
    callback = response.content.decode()

    def serve(route: Any) -> None:
        path = route.request.url.removeprefix(SHOP).split("#")[0]
        body = callback if path == "/callback" else f"<!doctype html><title>stand-in</title><h1>Page {path}</h1>"
        route.fulfill(status=200, content_type="text/html", body=body)

    page.route(f"{SHOP}/**", serve)
    page.goto(f"{SHOP}/before")
    page.goto(f"{SHOP}/callback")
    expect(page.locator("h1")).to_have_text("Payment received")
    page.wait_for_url(f"{SHOP}/#/orders/{intent.order_id}", timeout=6000)

    page.go_back()
    page.wait_for_url(f"{SHOP}/before")
    expect(page.locator("h1")).to_have_text("Page /before")
