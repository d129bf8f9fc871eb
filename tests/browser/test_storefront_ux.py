"""What a customer-UX review found: the pincode dialog closed with Escape gives "Add" back, its
message never outlives the pincode it was about, the cart fits a phone, Back from a product
returns to where the list was scrolled, and the like."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest

from .conftest import PINCODE, BrowserShop

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def _settled(page: Page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#app")).not_to_have_attribute("aria-busy", "true")


def _set_pincode(page: Page) -> None:
    from playwright.sync_api import expect

    page.click("#pincode-button")
    page.fill("#pincode-form input[name=pincode]", PINCODE)
    page.click("#pincode-form button[type=submit]")
    expect(page.locator("#pincode-label")).to_have_text(PINCODE)
    _settled(page)


def test_closing_the_pincode_dialog_with_escape_gives_add_back(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")
    _settled(page)
    milk = page.locator("article.card", has_text="Toned Milk")
    add = milk.get_by_role("button", name=re.compile("Add"))
    dialog = page.locator("#pincode-dialog")

    # No pincode yet: Add asks for one; Escape closes the dialog as Cancel would.
    add.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(add).to_have_text("Add")
    expect(add).not_to_have_attribute("aria-busy", "true")

    # And it still works: asked again, a pincode given, the milk goes in the cart.
    add.click()
    expect(dialog).to_be_visible()
    page.fill("#pincode-form input[name=pincode]", PINCODE)
    page.click("#pincode-form button[type=submit]")
    expect(milk.locator(".stepper .quantity")).to_have_text("1")


def _add(page: Page, title: str) -> None:
    from playwright.sync_api import expect

    card = page.locator("article.card", has_text=title)
    card.get_by_role("button", name=re.compile("Add")).click()
    expect(card.locator(".stepper .quantity")).to_have_text("1")


def test_the_cart_fits_a_390_px_phone_without_scrolling_sideways(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_shop.goto("/")
    _set_pincode(page)
    _add(page, "Toned Milk")
    _add(page, "Whole Wheat Atta")


    # The store also has a big pack: the select is as wide as its longest choice.
    def with_a_big_pack(route: Route) -> None:
        response = route.fetch()
        cart = response.json()
        for line in cart["lines"]:
            line["replacement_choices"] = [{"sku_id": str(uuid.uuid4()), "unit_price_paise": 52_000,
                                            "name": f"{line['name']} Family Saver Value Pack of Two"}]
        route.fulfill(response=response, json=cart)

    page.route(re.compile(r"/api/v1/cart/$"), with_a_big_pack)
    page.click("#cart-link")
    expect(page.locator("#app h1")).to_have_text("Your cart")
    _settled(page)
    select = page.get_by_label("If Whole Wheat Atta 5 kg is out of stock")
    expect(select.locator("option")).to_have_count(3)
    expect(select).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the cart page is {width} px wide on a 390 px phone"
    box = select.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390, box


def test_back_from_a_product_returns_to_where_the_list_was_scrolled(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    heading = page.locator("#app h1")
    page.set_viewport_size({"width": 390, "height": 300})
    browser_shop.goto("/")
    expect(page.locator("article.card")).to_have_count(2)
    _settled(page)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 100")
    page.wait_for_timeout(100)  # the scroll event is handled
    left_at = page.evaluate("window.scrollY")

    page.locator("article.card a").last.click()
    expect(heading).to_have_text(re.compile("Whole Wheat Atta|Toned Milk"))
    page.wait_for_function("window.scrollY === 0")  # a new page starts at its top

    page.go_back()
    expect(heading).to_have_text("All products")
    _settled(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {left_at}) <= 2")

    # A link to the list (not Back) starts it at its top.
    page.locator("article.card a").first.click()
    expect(heading).not_to_have_text("All products")
    page.click("a.brand")
    expect(heading).to_have_text("All products")
    _settled(page)
    page.wait_for_function("window.scrollY === 0")
