"""The web shop's details a customer trips over: the slot checkout picks, totals that add up,
Back after a redirect, where a new page starts, the pincode after logging out, a stepper that
stops at the store's stock, errors in words, an address we cannot deliver to.

These tests run on a richer shop than test_storefront's: the zone has a minimum order of
₹99 and an express fee of ₹30, an express slot opens at the same time as the first standard
one (the API lists it first), a standard slot opens two days later, and "Basmati Rice" has
only 3 in stock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.utils import timezone

from delivery import services as delivery
from delivery.events import FeePolicy, FeeTier
from delivery.services.slots import announce_slot
from inventory import services as inventory
from shop.accounts.models import Address
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.catalog.factories import BrandFactory, CategoryFactory, TaxClassFactory, make_product
from tests.delivery.factories import SlotFactory

from .conftest import PINCODE, BrowserShop, ShopData, build_browser_shop, set_pincode, settled

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

RICE = uuid.UUID("00000000-0000-4000-8000-00000000b1ce")


@pytest.fixture
def shop_data(transactional_db: None) -> ShopData:
    """test_storefront's shop, plus a minimum order, an express slot and fee, a later day's
    slot and a product with little stock; every event delivered before the processes start."""
    data = build_browser_shop()
    with transaction.atomic():
        policy = FeePolicy(
            min_order_value_paise=9900,
            fee_tiers=(FeeTier(min_cart_value_paise=0, fee_paise=2000),),
            small_cart_threshold_paise=0,
            small_cart_fee_paise=0,
            express_fee_paise=3000,
        )
        delivery.configure_zone(
            code=data.zone.code, title=data.zone.title, store_id=data.store_id, pincodes=[PINCODE], fee_policy=policy
        )
    first = data.slots[0]
    express = SlotFactory.create(
        zone=data.zone,
        mode="express",
        capacity=50,
        starts_at=first.starts_at,
        ends_at=first.starts_at + timedelta(hours=1),
    )
    later_day = SlotFactory.create(zone=data.zone, capacity=50, starts_at=first.starts_at + timedelta(days=2))
    with transaction.atomic():
        announce_slot(express)
        announce_slot(later_day)
    make_product(
        title="Basmati Rice",
        category=CategoryFactory.create(name="Rice", slug="rice"),
        brand=BrandFactory.create(name="India Gate"),
        tax_class=TaxClassFactory.create(),
        hsn_code="1006",
        skus=[{"sku_id": RICE, "code": "RICE-1KG", "price_paise": 2000, "mrp_paise": 2500,
               "pack_size": 1, "pack_unit": "kg", "max_per_order": 10}],
    )  # fmt: skip
    deliver_pending()
    expiry = timezone.localdate() + timedelta(days=30)
    inventory.receive_stock(store_id=data.store_id, sku_id=RICE, quantity=3, expires_on=expiry, batch_code="R1")
    deliver_pending()
    stuck = Delivery.objects.exclude(status="done").values_list("subscriber", "status", "last_error")
    assert not stuck, f"shop data: deliveries not done: {list(stuck)}"
    data.slots = [*data.slots, express, later_day]
    return data


def _until(page: Page, condition: Callable[[], bool], what: str, timeout_ms: int = 10_000) -> None:
    """Waits for a condition of this process (Playwright's events are dispatched meanwhile)."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def _set_pincode(shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    set_pincode(shop.page)
    expect(shop.page.locator("article.card .price").first).to_be_visible()


def _totals(page: Page) -> tuple[int, int]:
    """(the sum of the rows above Total, Total) of the summary's bill, in paise, as shown."""
    return tuple(
        page.evaluate(
            """() => {
                const paise = (text) =>
                    Math.round(parseFloat(text.replace(/[^0-9.]/g, "")) * 100) * (text.includes("\\u2212") ? -1 : 1);
                let sum = 0;
                const cells = [...document.querySelector(".summary dl.totals").children];
                for (let i = 0; i + 1 < cells.length; i += 2) {
                    if (cells[i].classList.contains("grand")) return [sum, paise(cells[i + 1].textContent)];
                    sum += paise(cells[i + 1].textContent);
                }
                return [sum, null];
            }"""
        )
    )


def test_checkout_defaults_to_a_standard_slot_ticks_it_visibly_and_shows_express_fees(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    standard, _, express, later_day = browser_shop.data.slots
    browser_shop.log_in(browser_shop.customer())
    browser_shop.goto("/")
    _set_pincode(browser_shop)
    page.locator("article.card", has_text="Whole Wheat Atta").get_by_role("button", name="Add").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.evaluate("location.hash = '#/checkout'")
    expect(page.locator("#app h1")).to_have_text("Checkout")

    # The express slot (listed first, same start) is not the default: the standard one is, ticked.
    expect(page.locator("#checkout-form input[name=slot_pick]:checked")).to_have_value(str(standard.id))
    expect(page.locator("#checkout-form input[name=slot_id]")).to_have_value(str(standard.id))
    expect(page.locator("#chosen-slot")).to_be_visible()
    expect(page.locator("#chosen-slot")).not_to_contain_text("express")
    expect(page.locator("label.slot[data-mode=express]")).to_contain_text("+₹30.00 express fee")
    expect(page.locator("label.slot[data-mode=standard]").first).not_to_contain_text("fee")

    # Every row above Total adds up to it; the MRP saving is a note below, not a row of the sum.
    expect(page.locator("#grand-total")).to_have_text("₹280.00")  # 260 + 20 delivery
    assert _totals(page) == (28_000, 28_000)
    expect(page.locator(".summary dl.totals")).not_to_contain_text("save")
    expect(page.locator("#savings-note")).to_have_text("You save ₹40.00 on MRP")

    # Another day's tab: the choice stays on screen, and its day's tab is marked.
    page.locator(f".slots .chips button[data-date='{later_day.date.isoformat()}']").click()
    expect(page.locator(f"#checkout-form input[value='{later_day.id}']")).not_to_be_checked()
    expect(page.locator("#chosen-slot")).to_be_visible()
    expect(page.locator("#chosen-slot")).to_contain_text("Your slot:")
    standard_tab = page.locator(f".slots .chips button[data-date='{standard.date.isoformat()}']")
    expect(standard_tab).to_have_class(re.compile("chosen"))

    # The express slot, chosen: its fee is in the choice and in the bill, which still adds up.
    page.locator(f".slots .chips button[data-date='{express.date.isoformat()}']").click()
    page.check(f"#checkout-form input[value='{express.id}']")
    expect(page.locator("#chosen-slot")).to_contain_text("+₹30.00 express fee")
    expect(page.locator("#grand-total")).to_have_text("₹310.00")
    assert _totals(page) == (31_000, 31_000)


def test_the_stepper_stops_at_the_stock_add_is_busy_once_and_the_cart_says_why_checkout_is_closed(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")
    _set_pincode(browser_shop)

    # Keyboard: Add becomes the stepper, focus on its "one more"; "one less" back to zero
    # becomes Add again, focus on it.
    milk = page.locator("article.card", has_text="Toned Milk")
    milk.get_by_role("button", name="Add").focus()
    page.keyboard.press("Enter")
    expect(milk.get_by_role("button", name=re.compile("One more"))).to_be_focused()
    milk.get_by_role("button", name=re.compile("One less")).focus()
    page.keyboard.press("Enter")
    expect(milk.get_by_role("button", name=re.compile("Add"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(milk.locator(".stepper .quantity")).to_have_text("1")

    # While Add's request is on its way the button is busy: more taps add nothing.
    rice = page.locator("article.card", has_text="Basmati Rice")
    held: list[Route] = []
    writes: list[str] = []

    def hold(route: Route) -> None:
        writes.append(f"{route.request.method} {route.request.url}")
        if held or route.request.method != "POST":
            route.continue_()
        else:
            held.append(route)

    lines_api = re.compile(r"/api/v1/cart/lines/")
    page.route(lines_api, hold)
    add = rice.get_by_role("button", name=re.compile("Add"))
    add.click()
    expect(add).to_have_attribute("aria-busy", "true")
    expect(add).to_have_attribute("aria-disabled", "true")
    _until(page, lambda: bool(held), "Add's request")
    # Taps on a busy button still arrive (Playwright's click() waits for aria-disabled to go).
    add.dispatch_event("click")
    add.dispatch_event("click")
    expect(add).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    expect(rice.locator(".stepper .quantity")).to_have_text("1")
    expect(page.locator("#cart-count")).to_have_text("2")
    assert writes == [f"POST {browser_shop.url}/api/v1/cart/lines/"], writes
    page.unroute(lines_api)

    # + stops at the 3 the store has (the cart's max_quantity), and says so.
    more = rice.get_by_role("button", name=re.compile("One more"))
    for expected in ("2", "3"):
        more.click()
        expect(rice.locator(".stepper .quantity")).to_have_text(expected)
    expect(more).to_have_attribute("aria-disabled", "true")
    expect(more).to_have_attribute("title", "Only 3 left at your store.")
    more.dispatch_event("click")  # a tap on it anyway: told why, nothing sent
    expect(page.locator("#flash")).to_contain_text("Only 3 left at your store.")
    expect(rice.locator(".stepper .quantity")).to_have_text("3")
    expect(page.locator("#cart-count")).to_have_text("4")

    # ₹90 of a ₹99 minimum: checkout is closed, and the reason is next to the button.
    page.click("#cart-link")
    expect(page.locator("#app h1")).to_have_text("Your cart")
    expect(page.locator("#grand-total")).to_have_text("₹110.00")  # 30 + 3 x 20 + 20 delivery
    assert _totals(page) == (11_000, 11_000)
    expect(page.locator("#savings-note")).to_have_text("You save ₹17.00 on MRP")
    expect(page.locator("#to-checkout")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#checkout-blocked")).to_contain_text("Add ₹9.00 more to order")
    # Said once, there: not again above the button.
    told = page.locator(".summary p").evaluate_all(
        "(ps) => ps.filter((p) => p.textContent.includes('Add ₹9.00 more')).length"
    )
    assert told == 1, f"the summary says {told} times what is missing"
    expect(page.locator(".summary")).not_to_contain_text("The minimum order here is ₹99.00.")
    line = page.locator("li.line", has_text="Basmati Rice")
    expect(line.get_by_role("button", name=re.compile("One more"))).to_have_attribute("aria-disabled", "true")

    # On a phone the thumbnail keeps to its column, clear of the name.
    page.set_viewport_size({"width": 390, "height": 844})
    image = line.locator("img, .noimg").first.bounding_box()
    name = line.locator(".what strong").bounding_box()
    assert image is not None
    assert name is not None
    assert image["x"] + image["width"] <= name["x"], (image, name)


def test_back_leaves_a_redirect_a_new_page_starts_at_its_top_and_logging_out_keeps_the_pincode(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    heading = page.locator("#app h1")
    browser_shop.goto("/")
    _set_pincode(browser_shop)

    # Signed out, Your orders sends the customer to log in; Back goes to where they were.
    page.evaluate("location.hash = '#/orders'")
    expect(page).to_have_url(re.compile(r"#/login\?next=/orders$"))
    expect(heading).to_have_text("Log in")
    page.go_back()
    expect(page).to_have_url(re.compile(rf"^{re.escape(browser_shop.url)}/(#/)?$"))
    expect(heading).to_have_text("All products")
    settled(page)
    expect(page).to_have_url(re.compile(rf"^{re.escape(browser_shop.url)}/(#/)?$"))

    # Logging in from the redirect lands on the page asked for; an empty checkout sends on to
    # the cart, and Back goes to Your orders, not to the checkout that sends on again.
    page.evaluate("location.hash = '#/orders'")
    expect(heading).to_have_text("Log in")
    page.fill("#login-form input[name=email]", customer.email)
    page.fill("#login-form input[name=password]", customer.password)
    page.click("#login-form button[type=submit]")
    expect(heading).to_have_text("Your orders")
    page.evaluate("location.hash = '#/checkout'")
    expect(page).to_have_url(re.compile(r"#/cart$"))
    expect(heading).to_have_text("Your cart")
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/orders$"))
    expect(heading).to_have_text("Your orders")
    settled(page)
    expect(page).to_have_url(re.compile(r"#/orders$"))

    # Logging out keeps the pincode this browser chose.
    page.click("#logout-button")
    expect(page.locator("#login-link")).to_be_visible()
    expect(page.locator("#pincode-label")).to_have_text(PINCODE)

    # A new page starts at its top, its heading focused; the one before was scrolled down.
    page.set_viewport_size({"width": 390, "height": 400})
    expect(page.locator("article.card")).to_have_count(3)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 100")
    title = page.locator("article.card h2").last.text_content()
    page.locator("article.card a").last.click()
    expect(heading).to_have_text(title or "?")
    page.wait_for_function("window.scrollY === 0")
    expect(heading).to_be_focused()


def test_field_errors_are_in_words_next_to_their_fields_and_an_address_we_cannot_serve_is_told(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/#/register?next=/")
    page.fill("#register-form input[name=full_name]", "Meera Iyer")
    page.fill("#register-form input[name=email]", f"meera-{uuid.uuid4().hex[:6]}@example.in")
    page.fill("#register-form input[name=phone]", "12345")
    page.fill("#register-form input[name=password]", "a-long-enough-password")
    page.click("#register-form button[type=submit]")
    # Told once, next to the field, by the name the form gives it.
    beside = page.locator("#register-form .field-error[data-field=phone]")
    expect(beside).to_contain_text("Mobile: ")
    expect(page.locator("#register-form .form-error")).to_be_hidden()
    phone = page.locator("#register-form input[name=phone]")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "register-form-phone-error")

    # A customer without an address in the cart's pincode: told to choose one, and an address
    # saved in a pincode we do not serve is told plainly.
    customer = browser_shop.customer()
    Address.objects.filter(user=customer.user).delete()
    browser_shop.log_in(customer)
    browser_shop.goto("/")
    _set_pincode(browser_shop)
    page.locator("article.card", has_text="Whole Wheat Atta").get_by_role("button", name="Add").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.evaluate("location.hash = '#/checkout'")
    expect(page.locator("#app h1")).to_have_text("Checkout")
    page.check("#checkout-form input[value=cod]")
    page.click("#place-order")
    expect(page.locator("#checkout-form .form-error")).to_have_text("Choose a delivery address.")

    page.fill("#address-form input[name=line1]", "1 Janpath")
    page.fill("#address-form input[name=city]", "New Delhi")
    page.select_option("#address-form select[name=state]", "Delhi")
    page.fill("#address-form input[name=pincode]", "110001")
    page.click("#address-form button[type=submit]")
    notice = page.locator("#address-notice")
    expect(notice).to_have_text(
        "We don't deliver to 110001 yet; this address is saved but can't be used for this cart."
    )
    expect(notice).to_be_visible()
    assert list(Address.objects.filter(user=customer.user).values_list("pincode", flat=True)) == ["110001"]
