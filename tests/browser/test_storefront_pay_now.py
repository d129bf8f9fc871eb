"""A customer who chose "Pay now" at checkout goes straight to paying, once: the tab that
placed the order goes on to the pay page by itself when the order awaits payment; a later
visit to the order page (a reload, Your orders) offers "Pay now" and stays; an order
cancelled before it could be paid shows why and stays."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest

from orders.models import Order
from orders.services import saga

from .conftest import BrowserShop, set_pincode, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SAGA_TIMEOUT_MS = 30_000


def _pay_page_visits(page: Page) -> list[str]:
    """Every document request for the shop's pay page (/payments/pay/<intent id>/), as it happens."""
    visits: list[str] = []
    page.on("request", lambda request: visits.append(request.url) if "/payments/pay/" in request.url else None)
    return visits


def _check_out_one_milk(shop: BrowserShop) -> str:
    """Log in, set the pincode, put one milk in the cart and place the order, paying with
    Razorpay (the default) from the checkout page; returns the order id."""
    from playwright.sync_api import expect

    page = shop.page
    shop.log_in(shop.customer())
    shop.goto("/")
    set_pincode(page, shop.pincode)
    page.locator("article.card", has_text="Toned Milk").get_by_role("button", name="Add").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    shop.goto("/#/checkout")
    expect(page.locator("#checkout-form input[value=razorpay]")).to_be_checked()
    expect(page.locator("#checkout-form input[name=slot_pick]:checked")).to_have_count(1)
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def _pay_on_the_fake_and_see_it_paid(page: Page, order_id: str) -> None:
    """On the fake's checkout page: pay, come back through the callback, see the order paid."""
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_have_text("Fake Razorpay checkout")
    page.click("#pay")
    expect(page.locator("h1")).to_have_text("Payment received")
    expect(page).to_have_url(re.compile(rf"/#/orders/{order_id}$"), timeout=10_000)
    expect(page.locator("#order-status")).to_have_attribute(
        "data-status", re.compile("confirmed|picking"), timeout=SAGA_TIMEOUT_MS
    )
    expect(page.locator("#payment-method")).to_have_text("Paid online (Razorpay)")


def test_the_tab_that_placed_a_prepaid_order_pays_without_a_click_and_later_visits_offer_pay_now(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    visits = _pay_page_visits(page)
    order_id = _check_out_one_milk(browser_shop)
    order_page = page.url

    # No click on "Pay now": the order awaits payment, and the page is on Razorpay's checkout.
    expect(page.locator("h1")).to_have_text("Fake Razorpay checkout", timeout=SAGA_TIMEOUT_MS)
    assert len(visits) == 1
    assert Order.objects.get(pk=order_id).status == "awaiting_payment"

    # Coming back later (a new load of the order's page, as from a link or a bookmark) offers
    # to pay and stays there: no second trip, no loop.
    browser_shop.goto(f"/#/orders/{order_id}")
    pay = page.locator("#pay-now")
    expect(pay).to_have_text("Pay ₹50.00 now")  # ₹30 of milk, ₹20 delivery
    expect(page.locator("#order-status")).to_have_attribute("data-status", "awaiting_payment")
    page.wait_for_timeout(2_000)
    expect(page).to_have_url(order_page)

    # A reload, the same.
    page.reload()
    expect(pay).to_be_visible()
    page.wait_for_timeout(2_000)
    expect(page).to_have_url(order_page)

    # From Your orders, the same.
    page.click("#orders-link")
    expect(page.locator("h1")).to_have_text("Your orders")
    page.get_by_role("link", name=order_id[:8]).click()
    expect(pay).to_be_visible()
    page.wait_for_timeout(2_000)
    expect(page).to_have_url(order_page)
    assert len(visits) == 1

    # "Pay now" still pays, and the order ends confirmed.
    pay.click()
    _pay_on_the_fake_and_see_it_paid(page, order_id)
    expect(page.locator("#pay-now")).to_have_count(0)
    assert len(visits) == 2


def test_a_prepaid_order_cancelled_before_it_can_be_paid_shows_why_and_stays(browser_shop: BrowserShop) -> None:
    """Razorpay cannot be reached, so no payment is requested; the stock then fails: the order
    goes from placed to cancelled, and the page says why instead of going anywhere."""
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.fake.knobs.outage = True  # every API call answered 503: no Razorpay order
    visits = _pay_page_visits(page)
    order_id = _check_out_one_milk(browser_shop)
    order_page = page.url
    status = page.locator("#order-status")
    expect(status).to_have_attribute("data-status", "pending", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator("#pending-note")).to_contain_text("Razorpay's checkout opens as soon as")

    saga.record_stock_failed(order_id=uuid.UUID(order_id), reason="insufficient_stock")  # as inventory's answer does

    expect(status).to_have_attribute("data-status", "cancelled", timeout=SAGA_TIMEOUT_MS)
    expect(status).to_have_text("Cancelled (out of stock)")
    expect(page.locator("#pay-now")).to_have_count(0)
    page.wait_for_timeout(2_000)
    expect(page).to_have_url(order_page)
    assert visits == []
    wait_for(lambda: Order.objects.get(pk=order_id).status == "cancelled", timeout=5, what="the cancellation")


def test_a_declined_payment_can_be_tried_again_and_the_order_goes_through(browser_shop: BrowserShop) -> None:
    """The bank declines the first try: nothing is cancelled; the callback page and the
    order's page say why and offer another try, which pays the same order."""
    from playwright.sync_api import expect

    page = browser_shop.page
    order_id = _check_out_one_milk(browser_shop)
    expect(page.locator("h1")).to_have_text("Fake Razorpay checkout", timeout=SAGA_TIMEOUT_MS)

    page.click("#fail")
    expect(page.locator("h1")).to_have_text("Payment failed")
    expect(page.locator("body")).to_contain_text("Your order waits for your payment")
    expect(page.locator("#try-again")).to_be_visible()

    page.click("#back-to-order")  # to the order first: it says what happened
    notice = page.locator("#payment-failed")
    expect(notice).to_contain_text("cancelled at the bank", timeout=SAGA_TIMEOUT_MS)
    expect(notice).to_contain_text("Nothing was charged")
    expect(notice).to_contain_text("2 more tries")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "awaiting_payment")

    page.click("#pay-now")
    _pay_on_the_fake_and_see_it_paid(page, order_id)
    expect(page.locator("#payment-failed")).to_have_count(0)
    order = Order.objects.get(pk=order_id)
    assert (order.payment_state, order.refunded_paise, order.payment_attempts_failed) == ("captured", 0, 1)
