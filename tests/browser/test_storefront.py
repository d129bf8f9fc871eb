"""The web shop as customers use it: Chromium clicks through the storefront while the real
server, a real Celery worker and the fake Razorpay do the rest."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest

from delivery import services as delivery
from delivery.models import Shipment
from delivery.services.picking import PickInput
from orders.models import Order
from payments.models import PaymentIntent
from shop.accounts.models import User

from .conftest import BrowserShop, set_pincode, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SAGA_TIMEOUT_MS = 30_000


def _status(page: Page) -> Locator:
    return page.locator("#order-status")


def test_a_visitor_fills_a_cart_registers_pays_with_razorpay_and_cancels_for_a_refund(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    browser_shop.goto("/")

    # A pincode we do not serve is refused with the reason; ours sets the store's prices.
    page.click("#pincode-button")
    page.fill("#pincode-form input[name=pincode]", "110001")
    page.click("#pincode-form button[type=submit]")
    expect(page.locator("#pincode-error")).to_contain_text("110001")
    page.fill("#pincode-form input[name=pincode]", "560038")
    page.click("#pincode-form button[type=submit]")
    expect(page.locator("#pincode-label")).to_have_text("560038")
    expect(page.locator("article.card")).to_have_count(2)

    page.fill("#search-input", "atta")
    page.press("#search-input", "Enter")
    atta = page.locator("article.card", has_text="Whole Wheat Atta")
    expect(page.locator("article.card")).to_have_count(1)
    expect(atta.locator(".price")).to_contain_text("₹260.00")
    expect(atta.locator(".price")).to_contain_text("13% off")
    atta.get_by_role("button", name="Add").click()
    expect(atta.locator(".stepper .quantity")).to_have_text("1")
    atta.get_by_role("button", name=re.compile("One more")).click()
    expect(atta.locator(".stepper .quantity")).to_have_text("2")
    expect(page.locator("#cart-count")).to_have_text("2")
    expect(page.locator("#cart-total")).to_have_text("₹520.00")  # the items: fees come in the cart

    page.click("#cart-link")
    line = page.locator("li.line", has_text="Whole Wheat Atta")
    expect(line.locator(".amount")).to_contain_text("₹520.00")
    expect(page.locator("#grand-total")).to_have_text("₹540.00")  # ₹20 delivery fee
    page.click("#to-checkout")

    # Checking out asks the visitor to sign up; the visitor's cart comes along.
    page.get_by_role("link", name="Create an account").click()
    email = f"asha-{uuid.uuid4().hex[:6]}@example.in"
    page.fill("#register-form input[name=full_name]", "Asha Rao")
    page.fill("#register-form input[name=email]", email)
    page.fill("#register-form input[name=phone]", "9876543210")
    page.fill("#register-form input[name=password]", "a-long-enough-password")
    page.click("#register-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Checkout")
    expect(page.locator("#place-order")).to_contain_text("₹540.00")

    page.fill("#address-form input[name=line1]", "12 CMH Road")
    page.click("#address-form button[type=submit]")
    expect(page.locator("#checkout-form input[name=address_id]")).to_be_checked()
    expect(page.locator("#checkout-form input[name=slot_pick]:checked")).to_have_count(1)
    expect(page.locator("#checkout-form input[value=razorpay]")).to_be_checked()
    page.click("#place-order")

    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[1]
    order_page = page.url

    # "Pay now" was chosen: once the order awaits payment (pushed over the websocket), the page
    # goes on to pay by itself. The fake's checkout page stands in for Razorpay's.
    expect(page.locator("h1")).to_have_text("Fake Razorpay checkout", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator("body")).to_contain_text("₹540.00")

    # Back (say, to look at the order first) leads to the order, which offers to pay, and stays.
    page.go_back()
    expect(page).to_have_url(order_page)
    pay = page.locator("#pay-now")
    expect(pay).to_have_text("Pay ₹540.00 now", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator("#cart-count")).to_have_text("0")
    expect(page.locator("#payment-method")).to_have_text("Pay online (Razorpay): awaiting payment")
    page.wait_for_timeout(1_500)
    expect(page).to_have_url(order_page)
    pay.click()

    # The fake's callback leads back to the order.
    expect(page.locator("h1")).to_have_text("Fake Razorpay checkout")
    page.click("#pay")
    expect(page.locator("h1")).to_have_text("Payment received")
    expect(page).to_have_url(re.compile(rf"/#/orders/{order_id}$"), timeout=10_000)
    expect(_status(page)).to_have_attribute("data-status", re.compile("confirmed|picking"), timeout=SAGA_TIMEOUT_MS)
    expect(page.locator(".summary")).to_contain_text("Paid")
    expect(page.locator("#payment-method")).to_have_text("Paid online (Razorpay)")

    order = Order.objects.get(pk=order_id)
    assert order.customer_id == User.objects.get(email=email).pk
    assert (order.total_paise, order.payment_method) == (54_000, "razorpay")
    assert PaymentIntent.objects.get(order_id=order_id).status == "captured"

    # Cancelling before packing refunds what was paid; the page hears it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-order")
    expect(_status(page)).to_have_attribute("data-status", "cancelled")
    expect(page.locator(".summary")).to_contain_text("Refunded", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator("#cancel-order")).to_have_count(0)
    expect(page.locator("#order-status")).to_have_text("Cancelled (cancelled by you)")
    expect(page.locator(".timeline li").last).to_contain_text("Cancelled (cancelled by you)")
    expect(page.locator("#payment-method")).to_have_text("Paid online (Razorpay), refunded", timeout=SAGA_TIMEOUT_MS)
    wait_for(
        lambda: PaymentIntent.objects.get(order_id=order_id).status == "refunded",
        timeout=30,
        what="the refund",
        worker=browser_shop.worker,
    )
    assert Order.objects.filter(customer_id=order.customer_id).count() == 1

    # Checkout emptied the cart; the cancelled order's items go back in with one click.
    page.click("#order-again")
    expect(page.locator("li.line", has_text="Whole Wheat Atta")).to_have_count(1)
    expect(page.locator("#cart-count")).to_have_text("2")
    expect(page.locator("#grand-total")).to_have_text("₹540.00")


def test_cash_on_delivery_followed_to_the_doorstep_and_the_gst_invoice(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    customer = browser_shop.customer(full_name="Ravi Kumar")
    page = browser_shop.page
    browser_shop.goto("/#/login?next=/")
    page.fill("#login-form input[name=email]", customer.email)
    page.fill("#login-form input[name=password]", "wrong password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-form .form-error")).to_have_text("Email or password is wrong.")
    page.fill("#login-form input[name=password]", customer.password)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#logout-button")).to_contain_text("Ravi Kumar")
    set_pincode(browser_shop.page, "560038")

    page.locator("article.card", has_text="Toned Milk").locator("a").first.click()
    expect(page.locator("h1")).to_have_text("Toned Milk")
    expect(page.locator(".facts")).to_contain_text("included in the price")
    page.get_by_role("button", name="Add").click()
    for _ in range(2):
        page.get_by_role("button", name=re.compile("One more")).click()
    expect(page.locator(".stepper .quantity")).to_have_text("3")

    page.click("#cart-link")
    page.click("#to-checkout")
    # The later slot, chosen on its day's tab; a look at the first day does not undo it.
    later = browser_shop.data.slots[-1]
    page.locator(".slots .chips button").last.click()
    page.check(f"#checkout-form input[value='{later.id}']")
    page.locator(".slots .chips button").first.click()
    page.check("#checkout-form input[value=cod]")
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[1]
    wait_for(lambda: Order.objects.filter(pk=order_id).exists(), timeout=30, what="the order")
    assert Order.objects.get(pk=order_id).slot_id == later.id
    # Cash on delivery needs no payment: stock and slot confirm it, and picking starts.
    expect(_status(page)).to_have_attribute("data-status", re.compile("confirmed|picking"), timeout=SAGA_TIMEOUT_MS)
    expect(page.locator(".progress")).not_to_contain_text("Awaiting payment")
    expect(page.locator("#pay-now")).to_have_count(0)

    # The store picks (one short), packs and sends it; the page follows without a reload.
    wait_for(lambda: Shipment.objects.filter(order_id=order_id).exists(), timeout=30, what="the shipment")
    shipment = Shipment.objects.get(order_id=order_id)
    picks = [PickInput(line_id=line.id, outcome="short", quantity_picked=2) for line in shipment.lines.all()]
    delivery.record_pick(shipment_id=shipment.id, picks=picks)
    expect(page.locator("#grand-total")).to_have_text("₹80.00", timeout=SAGA_TIMEOUT_MS)  # 2 x ₹30 + ₹20 delivery
    expect(page.locator(".order-lines")).to_contain_text("picked 2")
    # Nothing was paid yet: what was not picked is not charged, not "refunded".
    expect(page.locator(".order-lines")).to_contain_text("₹30.00 not charged")
    expect(page.locator(".order-lines")).not_to_contain_text("refund")
    expect(page.locator(".summary")).to_contain_text("Not charged (picked short)")
    expect(page.locator(".summary")).not_to_contain_text("Back after picking")
    expect(page.locator(".summary")).to_contain_text("You pay ₹30.00 less at the door: ₹80.00 in all.")
    delivery.pack_shipment(shipment_id=shipment.id)
    expect(_status(page)).to_have_attribute("data-status", "packed", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator("#cancel-order")).to_have_count(0)  # too late for the customer to cancel
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=8_000)
    expect(_status(page)).to_have_attribute("data-status", "delivered", timeout=SAGA_TIMEOUT_MS)
    expect(page.locator(".timeline li")).to_have_count(6)  # placed, confirmed, picking, packed, out, delivered
    expect(page.locator(".timeline")).not_to_contain_text("(")  # no reason that only repeats its status
    expect(page.locator("#payment-method")).to_have_text("Cash on delivery: paid")

    # A screen reader is told the invoice opens in a new tab (and what "download" downloads).
    expect(page.locator("#invoice-link")).to_have_accessible_name("GST invoice (opens in a new tab)")
    expect(page.get_by_role("link", name="Download the GST invoice")).to_be_visible()
    with page.context.expect_page() as invoice_tab:
        page.click("#invoice-link")
    invoice = invoice_tab.value
    expect(invoice.locator("body")).to_contain_text("Tax invoice", ignore_case=True)
    expect(invoice.locator("body")).to_contain_text("CGST")
    expect(invoice.locator("body")).to_contain_text("Toned Milk")

    # The list of orders shows what was paid in the end, after picking.
    page.click("text=← Your orders")
    row = page.locator("table.orders tbody tr", has_text=order_id[:8])
    expect(row.locator("td.num")).to_have_text("₹80.00")
    # On a phone the list fits the screen: nothing to scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(row.locator("td.num")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_checkout_retried_after_a_lost_answer_places_one_order(browser_shop: BrowserShop) -> None:
    """The answer to the first Place order is lost on the way back; the customer clicks again.
    The page sends the same Idempotency-Key, so the shop answers with the same order."""
    from playwright.sync_api import Route, expect

    customer = browser_shop.customer()
    page = browser_shop.page
    browser_shop.log_in(customer)
    browser_shop.goto("/")
    set_pincode(browser_shop.page, "560038")
    page.locator("article.card", has_text="Toned Milk").get_by_role("button", name="Add").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    browser_shop.goto("/#/checkout")
    page.check("#checkout-form input[value=cod]")

    keys: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        response = route.fetch()  # the shop takes the order...
        if len(keys) == 1:
            assert response.status == 202, response.text()
            route.abort("connectionreset")  # ...and the browser never hears about it
        else:
            route.fulfill(response=response)

    page.route("**/api/v1/checkout/", lose_the_first_answer)
    page.click("#place-order")
    expect(page.locator("#checkout-form .form-error")).to_contain_text("cannot be reached")
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))

    assert len(keys) == 2
    assert keys[0] == keys[1]
    orders = list(Order.objects.filter(customer_id=customer.user.pk).values_list("id", flat=True))
    assert [str(order_id) for order_id in orders] == [page.url.rsplit("/", 1)[1]]


def test_an_order_page_for_an_order_that_is_not_there_says_so_instead_of_waiting_forever(
    browser_shop: BrowserShop,
) -> None:
    """Someone else's order, an unknown or malformed id: "Order not found", at once. Only an
    order this browser just checked out is waited for, and only for a while."""
    from playwright.sync_api import expect

    from tests.orders.factories import place

    someone_elses = str(place(customer_id=browser_shop.customer().user.pk).id)
    page = browser_shop.page
    browser_shop.log_in(browser_shop.customer())
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    browser_shop.goto("/")
    expect(page.locator("#app")).not_to_have_attribute("aria-busy", "true")
    heading = page.locator("#app h1")

    for order_id in ("not-a-uuid", str(uuid.uuid4()), someone_elses):
        browser_shop.goto(f"/#/orders/{order_id}")
        expect(heading).to_have_text("Order not found", timeout=3_000)
        expect(_status(page)).to_have_text("There is no order of yours with this number.")
        browser_shop.goto("/#/")
        expect(_status(page)).to_have_count(0)
    assert sockets == []  # nothing to follow

    # As if this browser had just checked it out: the page waits on the order's socket, and
    # the socket's 4404 (accepted, then closed: not 1006) ends the wait at once.
    remember = "([id, at]) => sessionStorage.setItem('shop.recentOrders', JSON.stringify({[id]: at}))"
    page.evaluate(remember, [someone_elses, page.evaluate("Date.now()")])
    browser_shop.goto(f"/#/orders/{someone_elses}")
    expect(heading).to_have_text("Order not found", timeout=5_000)
    page.wait_for_timeout(2_500)  # a reconnection would come within a second or two
    assert len(sockets) == 1
    browser_shop.goto("/#/")
    expect(_status(page)).to_have_count(0)

    # One checked out almost three minutes ago that never came: waited for until then, no more.
    missing = str(uuid.uuid4())
    page.evaluate(remember, [missing, page.evaluate("Date.now() - 3 * 60 * 1000 + 4000")])
    browser_shop.goto(f"/#/orders/{missing}")
    expect(heading).to_have_text("Placing your order…")
    expect(heading).to_have_text("Order not found", timeout=10_000)
    expect(_status(page)).to_have_text("Your order has not reached us yet. It will appear in Your orders once it does.")
