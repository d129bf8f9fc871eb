"""Buy again: a past order's lines go back into the cart through the cart API, and the cart
page says which were added, which only in part (the most per order) and which not at all
(out of stock at the cart's store), and that the order went to another pincode.

The shop is test_storefront's (milk and atta in stock at the store of 560038, at most 10 of
each per order) plus basmati rice, on sale but with no stock at that store. The customer's
past orders are placed and cancelled through the orders app's services."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest
from django.db import transaction

from cart.models import CartLine
from orders.models import Order
from orders.services import LineInput, cancel_order, place_order
from shop.eventbus.testing import deliver_pending
from tests.catalog.factories import BrandFactory, CategoryFactory, TaxClassFactory, make_product

from .conftest import ATTA, MILK, PINCODE, BrowserCustomer, BrowserShop, ShopData, build_browser_shop

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

RICE = uuid.UUID("00000000-0000-4000-8000-00000000b2ce")


@pytest.fixture
def shop_data(transactional_db: None) -> ShopData:
    """test_storefront's shop, and a rice on sale that the store of 560038 has none of."""
    data = build_browser_shop()
    make_product(
        title="Basmati Rice",
        category=CategoryFactory.create(name="Rice", slug="rice"),
        brand=BrandFactory.create(name="India Gate"),
        tax_class=TaxClassFactory.create(),
        skus=[{"sku_id": RICE, "code": "RICE-1KG", "price_paise": 15000, "mrp_paise": 16000,
               "pack_size": 1, "pack_unit": "kg", "max_per_order": 10}],
    )  # fmt: skip
    deliver_pending()  # the cart learns the rice (and that no store has any)
    return data


def _line(sku_id: uuid.UUID, name: str, quantity: int, price: int, replacement: str = "best_match") -> LineInput:
    return LineInput(
        sku_id=sku_id, name=name, sold_by="unit", quantity=quantity, unit_price_paise=price, mrp_paise=price,
        gst_rate_bp=500, hsn_code="1006", line_total_paise=price * quantity, replacement=replacement,
    )  # fmt: skip


def _past_order(shop: BrowserShop, customer: BrowserCustomer, *, pincode: str = PINCODE) -> Order:
    """A cash-on-delivery order of 2 milk, 1 atta (refund it if out of stock) and 1 rice, cancelled by the customer."""
    lines = [_line(MILK, "Toned Milk 500 ml", 2, 3000), _line(ATTA, "Whole Wheat Atta 5 kg", 1, 26000, "refund"),
             _line(RICE, "Basmati Rice 1 kg", 1, 15000)]  # fmt: skip
    order_id = uuid.uuid4()
    with transaction.atomic():
        place_order(
            order_id=order_id, customer_id=customer.user.pk, store_id=shop.store_id, slot_id=shop.slot.id,
            address={"name": "Asha Rao", "line1": "12, 3rd Cross", "city": "Bengaluru", "state": "Karnataka",
                     "pincode": pincode},
            pincode=pincode, payment_method="cod", lines=lines,
            total_paise=sum(line.line_total_paise for line in lines),
        )  # fmt: skip
    return cancel_order(order_id=order_id)


def _api(shop: BrowserShop, token: str, method: str, path: str, body: dict[str, object]) -> None:
    response = shop.page.request.fetch(
        f"{shop.url}{path}", method=method, data=body, headers={"Authorization": f"Token {token}"}
    )
    assert response.ok, response.text()


def _cart(customer: BrowserCustomer) -> dict[uuid.UUID, int]:
    return dict(CartLine.objects.filter(cart__customer_id=customer.user.pk).values_list("sku_id", "quantity"))


def _summary_focused(page: Page) -> bool:
    return bool(page.evaluate("document.activeElement && document.activeElement.id === 'buy-again-summary'"))


def test_buy_again_puts_a_cancelled_orders_lines_in_the_cart_and_tells_what_it_could_not(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    token = browser_shop.log_in(customer)
    # The cart already holds 9 milk of the 10 allowed per order; the order went to 560001.
    _api(browser_shop, token, "PATCH", "/api/v1/cart/", {"pincode": PINCODE})
    _api(
        browser_shop,
        token,
        "POST",
        "/api/v1/cart/lines/",
        {"sku_id": str(MILK), "quantity": 9, "replacement": "refund"},
    )
    order = _past_order(browser_shop, customer, pincode="560001")
    assert order.status == "cancelled"
    cart_posts: list[str] = []
    page.on("request", lambda r: cart_posts.append(r.url) if r.method == "POST" and "/cart/lines/" in r.url else None)

    browser_shop.goto(f"/#/orders/{order.id}")
    button = page.locator("#order-again")
    expect(button).to_have_text("Buy again")
    button.dblclick()  # a double click buys once

    expect(page).to_have_url(re.compile(r"#/cart$"))
    summary = page.locator("#buy-again-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "status")
    assert _summary_focused(page)
    expect(summary.locator("h2")).to_have_text(f"Buy again, order {str(order.id)[:8]}: 2 items added, 1 not added")
    expect(page.locator("#buy-again-pincode")).to_contain_text("pincode 560001")
    expect(page.locator("#buy-again-pincode")).to_contain_text("your cart delivers to 560038")
    expect(page.locator("#buy-again-added li")).to_have_text(["Whole Wheat Atta 5 kg: 1 added"])
    # 9 + 2 is over the 10 per order: the line is topped up to 10, and the API's words say why.
    expect(page.locator("#buy-again-capped li")).to_have_text(
        ["Toned Milk 500 ml: 1 of 2 added (10 in your cart): At most 10 packs of Toned Milk 500 ml per order."]
    )
    # The rice is on sale but the store has none: told, not in the cart, not dropped silently.
    expect(page.locator("#buy-again-missed li")).to_have_text(
        ["Basmati Rice 1 kg: 1 not added: Out of stock at your store."]
    )
    expect(page.locator("li.line")).to_have_count(2)
    expect(page.locator("li.line", has_text="Basmati")).to_have_count(0)
    expect(page.locator("#cart-count")).to_have_text("11")
    expect(page.locator("#to-checkout")).not_to_have_attribute("aria-disabled", "true")

    assert _cart(customer) == {MILK: 10, ATTA: 1}
    # One POST per order line: the double click did not add the order twice.
    assert len(cart_posts) == 3, cart_posts
    # The milk line kept the cart's replacement preference; the atta came back with the order's.
    assert CartLine.objects.get(cart__customer_id=customer.user.pk, sku_id=MILK).replacement == "refund"
    assert CartLine.objects.get(cart__customer_id=customer.user.pk, sku_id=ATTA).replacement == "refund"

    # The summary stays while the cart changes, and goes once dismissed.
    page.get_by_role("button", name="One less Whole Wheat Atta 5 kg").click()
    expect(page.locator("li.line")).to_have_count(1)
    expect(summary).to_be_visible()
    page.get_by_role("button", name="Hide this summary").click()
    expect(summary).to_have_count(0)
    expect(page.locator("#app h1")).to_be_focused()


def test_buy_again_from_your_orders_on_a_phone(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    page.set_viewport_size({"width": 390, "height": 844})
    customer = browser_shop.customer()
    token = browser_shop.log_in(customer)
    _api(browser_shop, token, "PATCH", "/api/v1/cart/", {"pincode": PINCODE})
    order = _past_order(browser_shop, customer)

    browser_shop.goto("/#/orders")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    # The list fits a phone's width: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name=f"Buy again: order {str(order.id)[:8]}").click()

    expect(page).to_have_url(re.compile(r"#/cart$"))
    expect(page.locator("#buy-again-summary h2")).to_have_text(
        f"Buy again, order {str(order.id)[:8]}: 2 items added, 1 not added"
    )
    expect(page.locator("#buy-again-pincode")).to_have_count(0)  # the same pincode: nothing to say
    expect(page.locator("#buy-again-added li")).to_have_text(
        ["Toned Milk 500 ml: 2 added", "Whole Wheat Atta 5 kg: 1 added"]
    )
    expect(page.locator("#buy-again-missed li")).to_have_text(
        ["Basmati Rice 1 kg: 1 not added: Out of stock at your store."]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _cart(customer) == {MILK: 2, ATTA: 1}
