"""What a customer-UX review found: the pincode dialog closed with Escape gives "Add" back, its
message never outlives the pincode it was about, the cart fits a phone, Back from a product
returns to where the list was scrolled, and the like."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest

from .conftest import PINCODE, BrowserShop, set_pincode, settled

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_closing_the_pincode_dialog_with_escape_gives_add_back(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")
    settled(page)
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
    set_pincode(page)
    _add(page, "Toned Milk")
    _add(page, "Whole Wheat Atta")

    # The store also has a big pack: the select is as wide as its longest choice.
    def with_a_big_pack(route: Route) -> None:
        response = route.fetch()
        cart = response.json()
        for line in cart["lines"]:
            line["replacement_choices"] = [
                {
                    "sku_id": str(uuid.uuid4()),
                    "unit_price_paise": 52_000,
                    "name": f"{line['name']} Family Saver Value Pack of Two",
                }
            ]
        route.fulfill(response=response, json=cart)

    page.route(re.compile(r"/api/v1/cart/$"), with_a_big_pack)
    page.click("#cart-link")
    expect(page.locator("#app h1")).to_have_text("Your cart")
    settled(page)
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
    settled(page)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 100")
    page.wait_for_timeout(100)  # the scroll event is handled
    left_at = page.evaluate("window.scrollY")

    # Followed where it stands: Playwright's click would first scroll the link into view, and
    # whether that scroll's event lands before or after the route changes is a race of its own.
    page.locator("article.card a").last.evaluate("link => link.click()")
    expect(heading).to_have_text(re.compile("Whole Wheat Atta|Toned Milk"))
    page.wait_for_function("window.scrollY === 0")  # a new page starts at its top

    page.go_back()
    expect(heading).to_have_text("All products")
    settled(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {left_at}) <= 2")

    # A link to the list (not Back) starts it at its top.
    page.locator("article.card a").first.click()
    expect(heading).not_to_have_text("All products")
    page.click("a.brand")
    expect(heading).to_have_text("All products")
    settled(page)
    page.wait_for_function("window.scrollY === 0")


def test_a_slot_that_closed_while_checkout_was_open_is_dropped_and_the_list_shows_each_cut_off(
    browser_shop: BrowserShop,
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    from cart.models import DeliverySlot
    from delivery.models import Slot

    page = browser_shop.page
    browser_shop.log_in(browser_shop.customer())
    browser_shop.goto("/")
    set_pincode(page)
    _add(page, "Toned Milk")
    page.evaluate("location.hash = '#/checkout'")
    expect(page.locator("#app h1")).to_have_text("Checkout")
    settled(page)
    first, second = browser_shop.data.slots
    picks = page.locator("input[name=slot_pick]")
    expect(page.locator(f"input[name=slot_pick][value='{first.id}']")).to_be_checked()
    # Each slot says until when it takes orders, in the 12-hour time the slots read.
    for cutoff in page.locator(".slot .cutoff").all():
        expect(cutoff).to_have_text(re.compile(r"^ · order by \d{1,2}:\d{2} [ap]m"))
    expect(page.locator(".slot .cutoff")).not_to_have_count(0)

    # Orders for the chosen slot close while the page is open.
    closed_at = timezone.now() - timedelta(minutes=1)
    Slot.objects.filter(id=first.id).update(cutoff_at=closed_at)
    DeliverySlot.objects.filter(slot_id=first.id).update(cutoff_at=closed_at)
    page.get_by_label("Cash on delivery").check()
    page.click("#place-order")

    error = page.locator("#checkout-form .form-error")
    expect(error).to_contain_text(re.compile(r"Orders for this slot closed at \d{1,2}:\d{2} [ap]m"))
    # The list as it is now: the closed slot gone, none chosen, the customer asked to choose.
    expect(page.locator(f"input[name=slot_pick][value='{first.id}']")).to_have_count(0)
    expect(page.locator("#chosen-slot")).to_have_text("Choose a delivery slot.")
    assert page.locator("input[name=slot_id]").input_value() == ""
    for pick in picks.all():
        expect(pick).not_to_be_checked()
    page.locator(".chips .chip").first.click()
    page.locator(f"input[name=slot_pick][value='{second.id}']").check()
    expect(page.locator("#chosen-slot")).to_contain_text("Your slot:")


def test_an_address_saved_at_checkout_with_enter_is_chosen_focused_and_announced(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.log_in(browser_shop.customer())
    browser_shop.goto("/")
    set_pincode(page)
    _add(page, "Toned Milk")
    page.evaluate("location.hash = '#/checkout'")
    expect(page.locator("#app h1")).to_have_text("Checkout")
    settled(page)
    expect(page.locator("input[name=address_id]")).to_have_count(1)

    form = page.locator("#address-form")
    form.locator("input[name=line1]").fill("12 New Street")
    form.locator("input[name=pincode]").fill(PINCODE)
    form.locator("input[name=pincode]").press("Enter")

    radios = page.locator("input[name=address_id]")
    expect(radios).to_have_count(2)
    new = page.locator("label.choice", has_text="12 New Street").locator("input[name=address_id]")
    expect(new).to_be_checked()
    expect(new).to_be_focused()
    status = page.locator("[role=status]", has_text="Address saved")
    expect(status).to_be_visible()


def test_diet_is_told_in_words_with_the_veg_or_non_veg_mark(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    from catalog.models import Product

    products = browser_shop.data.products
    Product.objects.filter(id=products["milk"]).update(diet="non_veg")
    Product.objects.filter(id=products["atta"]).update(diet="na")
    page = browser_shop.page
    browser_shop.goto("/")
    settled(page)

    milk = page.locator("article.card", has_text="Toned Milk")
    mark = milk.get_by_role("img", name="Non-veg")
    expect(mark).to_be_visible()
    expect(mark).to_have_class(re.compile(r"\bdiet-non-veg\b"))
    color = mark.evaluate("el => getComputedStyle(el).borderTopColor")
    assert color == "rgb(123, 63, 18)", color  # brown
    atta = page.locator("article.card", has_text="Whole Wheat Atta")
    expect(atta.locator(".diet")).to_have_count(0)  # not food ("na"): no mark, no words

    milk.locator("a").first.click()
    expect(page.locator("#app h1")).to_have_text("Toned Milk")
    expect(page.locator("#diet")).to_have_text("Non-veg")
    expect(page.locator("#app")).not_to_contain_text("non_veg")
    page.go_back()
    page.locator("article.card", has_text="Whole Wheat Atta").locator("a").first.click()
    expect(page.locator("#app h1")).to_have_text("Whole Wheat Atta")
    expect(page.locator(".facts")).not_to_contain_text("Diet")


def test_each_form_error_is_told_once_next_to_its_field_by_its_visible_label(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/#/register?next=/")
    settled(page)
    form = page.locator("#register-form")
    form.locator("input[name=full_name]").fill("Meera Iyer")
    form.locator("input[name=email]").fill("meera@example.in")
    form.locator("input[name=phone]").fill("12345")
    form.locator("input[name=password]").fill("a-long-enough-password")
    form.locator("button[type=submit]").click()

    phone = form.locator("input[name=phone]")
    note = form.locator(".field-error[data-field=phone]")
    expect(note).to_have_text(re.compile(r"^Mobile: \S"))  # the label the form shows, not "Phone"
    expect(phone).to_have_attribute("aria-describedby", "register-form-phone-error")
    expect(phone).to_be_focused()
    problem = (note.text_content() or "").removeprefix("Mobile: ")
    assert form.inner_text().count(problem) == 1, form.inner_text()
    expect(form).not_to_contain_text("Phone:")
    expect(form.locator(".form-error")).to_be_hidden()


def test_the_pincode_dialog_never_keeps_a_message_about_another_pincode(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")
    settled(page)
    page.click("#pincode-button")
    box = page.locator("#pincode-form input[name=pincode]")
    message = page.locator("#pincode-error")
    box.fill("110001")
    box.press("Enter")
    expect(message).to_have_text("We do not deliver to 110001 yet.")
    expect(box).to_have_attribute("aria-invalid", "true")

    # Another pincode typed (not even a whole one yet): the old message goes.
    box.fill("1100")
    expect(message).to_be_hidden()
    expect(box).not_to_have_attribute("aria-invalid", "true")
    box.fill("110002")
    box.press("Enter")
    expect(message).to_have_text("We do not deliver to 110002 yet.")

    # Closed and opened again: no message from before.
    page.click("#pincode-cancel")
    page.click("#pincode-button")
    expect(message).to_be_hidden()
