"""What a customer-UX review found: the pincode dialog closed with Escape gives "Add" back, its
message never outlives the pincode it was about, the cart fits a phone, Back from a product
returns to where the list was scrolled, and the like."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from .conftest import PINCODE, BrowserShop

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
