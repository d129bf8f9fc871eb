"""A coupon on the web shop: a code that is no coupon is refused in words beside the field, one
that applies takes its discount off the bill (cart, checkout, the order placed), and it can
be removed.

The shop is test_storefront's (milk ₹30, atta ₹260 in stock at the store of 560038); the
coupon SAVE10 takes 10 % off items, at most ₹20."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cart.models import Coupon, CouponRedemption
from orders.models import Order

from .conftest import ATTA, PINCODE, BrowserShop, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def _api(shop: BrowserShop, token: str, method: str, path: str, body: dict[str, object]) -> None:
    response = shop.page.request.fetch(
        f"{shop.url}{path}", method=method, data=body, headers={"Authorization": f"Token {token}"}
    )
    assert response.ok, response.text()


def test_a_coupon_applied_in_the_cart_comes_off_the_bill_and_the_order(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    Coupon.objects.create(
        code="SAVE10", description="10 % off, up to ₹20", kind="percent", percent_bp=1000, max_discount_paise=2000,
        valid_from=timezone.now() - timedelta(days=1), valid_until=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    page = browser_shop.page
    customer = browser_shop.customer()
    token = browser_shop.log_in(customer)
    _api(browser_shop, token, "PATCH", "/api/v1/cart/", {"pincode": PINCODE})
    _api(browser_shop, token, "POST", "/api/v1/cart/lines/", {"sku_id": str(ATTA), "quantity": 1})  # 260.00

    browser_shop.goto("/#/cart")
    page.fill("#coupon-code", "NOPE")
    page.click("#coupon-form button[type=submit]")
    # Told once, next to the field it is about.
    expect(page.locator("#coupon-form .field-error[data-field=coupon_code]")).to_have_text(
        "Coupon code: Coupon NOPE is not a valid code."
    )
    expect(page.locator("#coupon-form .form-error")).to_be_hidden()
    expect(page.locator("#coupon-code")).to_be_focused()

    page.fill("#coupon-code", "save10")
    page.click("#coupon-form button[type=submit]")
    expect(page.locator("#coupon")).to_contain_text("Coupon SAVE10: 10 % off, up to ₹20")
    expect(page.locator(".totals")).to_contain_text("Coupon SAVE10")
    expect(page.locator(".totals dd.save").first).to_have_text("\N{MINUS SIGN} ₹20.00")
    expect(page.locator("#grand-total")).to_have_text("₹260.00")  # 260.00 - 20.00 + 20.00 delivery

    page.click("#remove-coupon")
    expect(page.locator("#coupon-form")).to_be_visible()
    expect(page.locator("#grand-total")).to_have_text("₹280.00")
    page.fill("#coupon-code", "SAVE10")
    page.click("#coupon-form button[type=submit]")
    expect(page.locator("#grand-total")).to_have_text("₹260.00")

    page.click("#to-checkout")
    expect(page.locator(".totals")).to_contain_text("Coupon SAVE10")
    page.check("#checkout-form input[value=cod]")
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[1]
    wait_for(lambda: Order.objects.filter(pk=order_id).exists(), timeout=30, what="the order")
    order = Order.objects.get(pk=order_id)
    assert (order.coupon_code, order.discount_paise, order.total_paise) == ("SAVE10", 2000, 26000)
    assert CouponRedemption.objects.get(order_id=order_id).discount_paise == 2000
    expect(page.locator(".totals")).to_contain_text("Coupon SAVE10")
    expect(page.locator("#grand-total")).to_have_text("₹260.00")
