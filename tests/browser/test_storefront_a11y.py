"""What a walk through the web shop with the keyboard only, a phone and a screen reader's eyes
found: no way past the header, a dead page when the network dropped, cart and order changes
nobody heard of, prices read as "slash" and "MRP ₹300" (a strike-through is not read), the
product's name read twice on every card, form errors never read out, and a toast over the
buttons it covers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from .conftest import BrowserShop, set_pincode, settled
from .test_storefront_order_page_after_cancel import _confirmed_order

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def _focused(page: Page) -> str:
    """The focused element: its tag, id and text, e.g. 'A#skip-link Skip to content'."""
    return str(
        page.evaluate(
            "(() => { const a = document.activeElement; const text = a.textContent.trim().replace(/\\s+/g, ' ');"
            " return `${a.tagName}${a.id ? '#' + a.id : ''} ${text.slice(0, 60)}`; })()"
        )
    )


def test_the_first_tab_offers_a_skip_to_content_link_that_lands_past_the_header(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_shop.goto("/")
    settled(page)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0, f"the focused skip link is not on screen: {box}"
    assert box["height"] >= 24, f"the skip link is too small to tap: {box}"

    page.keyboard.press("Enter")
    expect(page.locator("#app h1")).to_be_focused()
    assert page.url.endswith("/") or page.url.endswith("#/"), page.url  # not a route of its own
    expect(page.locator("#app h1")).to_have_text("All products")
    # The next stop is the page's own first control, not the header's links again.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('#app').contains(document.activeElement)"), _focused(page)
    assert page.evaluate("!document.querySelector('header').contains(document.activeElement)"), _focused(page)


def test_a_dropped_network_shows_what_happened_and_a_retry_that_brings_the_page_back(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    # Offline as the shop opens: the cart cannot load. Not a dead page: a Retry.
    page.route(re.compile(r"/api/v1/cart/$"), lambda route: route.abort("internetdisconnected"))
    browser_shop.goto("/")
    expect(page.locator("#app h1")).to_have_text("The shop cannot be reached")
    expect(page.locator("#load-error")).to_contain_text("Check your internet connection")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    page.unroute(re.compile(r"/api/v1/cart/$"))
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("article.card")).to_have_count(2)
    expect(page.locator("#app h1")).to_have_text("All products")

    # The network drops while browsing: the search says so, and Retry asks again.
    products = re.compile(r"/api/v1/catalog/products/")
    page.route(products, lambda route: route.abort("internetdisconnected"))
    page.fill("#search-input", "milk")
    page.press("#search-input", "Enter")
    expect(page.locator("#app h1")).to_have_text("The shop cannot be reached")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("#load-error")).to_contain_text("Still no answer")
    expect(page.locator("#app h1")).to_be_focused()  # the keyboard is told it failed again
    page.unroute(products)
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("#app h1")).to_have_text("Results for “milk”")
    expect(page.locator("#app h1")).to_be_focused()
    expect(page.locator("article.card")).to_have_count(1)


def _as_loose_tomatoes(route: Route) -> None:
    """The catalogue's answer with the milk sold loose by weight (250 g steps, ₹32.00 a kg, MRP
    ₹40.00 a kg) and a picture: how the demo's vegetables come."""
    response = route.fetch()
    body: dict[str, Any] = response.json()
    for product in body["results"]:
        product["image"] = {
            "small": "/static/shop/favicon.svg",
            "medium": "/static/shop/favicon.svg",
            "large": "/static/shop/favicon.svg",
            "alt": product["title"],
        }
        if product["title"] == "Toned Milk":
            product["skus"][0].update(
                sold_by="weight", base_unit="g", step=250, pack_label="250 g", price_paise=3200, mrp_paise=4000,
                step_price_paise=800, approx=True, discount_percent=20,
            )  # fmt: skip
    route.fulfill(response=response, json=body)


def test_prices_read_as_words_and_a_card_names_its_product_once(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    page.route(re.compile(r"/api/v1/catalog/products/\?"), _as_loose_tomatoes)
    browser_shop.goto("/")
    settled(page)
    atta = page.locator("article.card", has_text="Whole Wheat Atta")
    loose = page.locator("article.card", has_text="Toned Milk")

    # A pack: the MRP is struck out for the eye, and said as what it is for the ear.
    price = atta.locator(".price")
    expect(price.locator("s")).to_have_text("₹300.00")
    expect(price).to_have_text("₹260.00, instead of MRP ₹300.00, 13% off")
    expect(price.locator(".visually-hidden", has_text="instead of")).to_have_count(1)

    # Weighed: the price of a step and of a kg, "per" for the ear where the eye reads "/".
    price = loose.locator(".price")
    expect(price).to_contain_text("₹8.00")
    expect(price).to_contain_text("per 250 g (approx.)")
    expect(price).to_contain_text("₹32.00")
    expect(price.locator(".per-kg")).to_contain_text("₹32.00/kg")  # for the eye
    heard = price.evaluate(
        "(el) => { const copy = el.cloneNode(true);"
        " copy.querySelectorAll('[aria-hidden=true]').forEach((n) => n.remove());"
        " return copy.textContent.replace(/\\s+/g, ' '); }"
    )
    assert heard == "₹8.00 per 250 g (approx.), ₹32.00 per kg, instead of MRP ₹10.00, 20% off", heard
    expect(price.locator(".mrp s")).to_have_text("₹10.00")  # MRP ₹40.00 a kg, for 250 g

    # The picture is part of the link named by the product's heading: it adds no second name.
    link = atta.get_by_role("link")
    expect(link.locator("img")).to_have_attribute("alt", "")
    expect(link).to_have_accessible_name("Whole Wheat Atta")
    expect(page.get_by_role("heading", name="Whole Wheat Atta", level=2)).to_be_visible()
    expect(page.get_by_role("article", name="Whole Wheat Atta")).to_be_visible()


def test_cart_changes_are_told_to_screen_readers_and_removing_a_line_keeps_the_keyboard_on_the_page(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")
    set_pincode(page)
    announce = page.locator("#announce")
    expect(announce).to_have_attribute("aria-live", "polite")

    milk = page.locator("article.card", has_text="Toned Milk")
    milk.get_by_role("button", name="Add Toned Milk 500 ml").focus()
    page.keyboard.press("Enter")
    expect(announce).to_have_text("Toned Milk 500 ml: 1 in your cart. Items ₹30.00.")
    page.keyboard.press("Enter")  # the focus is on + now
    expect(announce).to_have_text("Toned Milk 500 ml: 2 in your cart. Items ₹60.00.")
    expect(page.locator("#cart-link")).to_have_accessible_name("Cart 2 items, ₹60.00")
    page.locator("article.card", has_text="Whole Wheat Atta").get_by_role("button", name=re.compile("^Add")).click()
    expect(page.locator("#cart-link")).to_have_accessible_name("Cart 3 items, ₹320.00")

    page.click("#cart-link")
    expect(page.locator("#app h1")).to_have_text("Your cart")
    settled(page)
    page.get_by_role("button", name="Remove Whole Wheat Atta 5 kg").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-line]")).to_have_count(1)
    expect(announce).to_have_text("Whole Wheat Atta 5 kg removed from your cart. Items ₹60.00.")
    # The button went with its line: the keyboard goes on from the page's heading, not the top.
    expect(page.locator("#app h1")).to_be_focused()
    # Down to nothing with One less: the same.
    page.get_by_role("button", name="One less Toned Milk 500 ml").focus()
    page.keyboard.press("Enter")
    expect(announce).to_have_text("Toned Milk 500 ml: 1 in your cart. Items ₹30.00.")
    page.keyboard.press("Enter")
    expect(page.locator("#app")).to_contain_text("Your cart is empty")
    expect(page.locator("#app h1")).to_be_focused()
    expect(page.locator("#cart-link")).to_have_accessible_name("Cart 0 items, ₹0.00")


def test_form_errors_are_read_out_and_the_password_rule_is_told_before_the_first_try(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    browser_shop.goto("/#/login")
    settled(page)
    page.fill("#login-form input[name=email]", customer.email)
    page.fill("#login-form input[name=password]", "not-the-password")
    page.press("#login-form input[name=password]", "Enter")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()

    page.get_by_role("link", name="Create an account").click()
    settled(page)
    password = page.get_by_label("Password")
    expect(password).to_have_accessible_description(re.compile("At least 8 characters"))
    page.fill("#register-form input[name=email]", "new.customer@example.in")
    page.fill("#register-form input[name=phone]", "123")
    page.fill("#register-form input[name=password]", "Groceries-2026!")
    page.press("#register-form input[name=password]", "Enter")
    phone = page.get_by_label("Mobile")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile("Mobile: "))
    expect(password).to_have_accessible_description(re.compile("At least 8 characters"))


def test_a_message_over_the_page_lets_taps_through_to_what_it_covers(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_shop.goto("/")
    set_pincode(page)
    flash = page.locator("#flash")
    expect(flash).to_be_visible()  # "Delivered from Indiranagar..." at the bottom of the screen
    box = flash.bounding_box()
    assert box is not None
    under = page.evaluate(
        "([x, y]) => { const el = document.elementFromPoint(x, y); return el && !el.closest('#flash'); }",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert under, "a tap on the message stops there instead of reaching the page under it"


def test_an_order_page_tells_a_screen_reader_its_new_status_and_which_step_is_now(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    token = browser_shop.log_in(customer)
    order = _confirmed_order(browser_shop, customer)
    browser_shop.goto(f"/#/orders/{order.id}")
    expect(page.locator("#order-status")).to_have_attribute("data-status", order.status)
    now = page.locator(".progress [aria-current=step]")
    expect(now).to_have_count(1)
    expect(now).to_contain_text("(now)")
    expect(page.locator(".progress li.done").first).to_contain_text("(done)")

    # Cancelled elsewhere (another tab, the phone): the page follows and says so.
    response = page.request.post(
        f"{browser_shop.url}/api/v1/orders/{order.id}/cancel/", headers={"Authorization": f"Token {token}"}
    )
    assert response.ok, response.text()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#announce")).to_have_text("Your order is now: Cancelled.")


_TOO_SMALL = """() => [...document.querySelectorAll("a[href], button, input, select")]
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .map((el) => el.closest("label.choice") || el)  // a radio's whole line is its target
    .filter((el) => !el.closest(".visually-hidden, .skip-link"))
    .map((el) => {
        const box = el.getBoundingClientRect();
        const name = (el.getAttribute("aria-label") || el.textContent).trim().replace(/\\s+/g, " ").slice(0, 40);
        return [`${el.tagName} ${name}`, Math.round(box.width), Math.round(box.height)];
    })
    .filter(([, width, height]) => width < 24 || height < 24)"""


def test_every_control_on_a_phone_is_big_enough_to_tap(browser_shop: BrowserShop) -> None:
    """WCAG 2.5.8: 24 by 24 px at the least, for a thumb on a 390 px phone."""
    from playwright.sync_api import expect

    page = browser_shop.page
    page.set_viewport_size({"width": 390, "height": 844})
    customer = browser_shop.customer()
    browser_shop.log_in(customer)
    browser_shop.goto("/")
    set_pincode(page)
    page.locator("article.card", has_text="Toned Milk").get_by_role("button", name=re.compile("^Add")).click()
    expect(page.locator("#cart-count")).to_have_text("1")
    small = {"home": page.evaluate(_TOO_SMALL)}
    page.locator("article.card a", has_text="Toned Milk").click()
    expect(page.locator("#app h1")).to_have_text("Toned Milk")
    settled(page)
    small["product"] = page.evaluate(_TOO_SMALL)
    for route, heading in (("/#/cart", "Your cart"), ("/#/checkout", "Checkout"), ("/#/orders", "Your orders")):
        browser_shop.goto(route)
        expect(page.locator("#app h1")).to_have_text(heading)
        settled(page)
        small[route] = page.evaluate(_TOO_SMALL)
    assert not any(small.values()), small
