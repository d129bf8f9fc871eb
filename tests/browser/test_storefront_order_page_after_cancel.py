"""What a QA walk of the web shop found on an order's page and at logging out: cancelling
lost the keyboard's focus (the button went with the order's state) and still showed the
cancelled shipment's tracking code; logging out asked /auth/me/ again, which only logged a
401 in the console; leaving an order's page while its socket was connecting logged a failed
websocket connection."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from django.db import transaction

from orders.models import Order
from orders.services import LineInput, place_order

from .conftest import ATTA, MILK, PINCODE, BrowserCustomer, BrowserShop, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SAGA_TIMEOUT_MS = 30_000


def _confirmed_order(shop: BrowserShop, customer: BrowserCustomer) -> Order:
    """A cash-on-delivery order of 1 milk and 1 atta, confirmed with its shipment open."""
    lines = [
        LineInput(sku_id=MILK, name="Toned Milk 500 ml", sold_by="unit", quantity=1, unit_price_paise=3000,
                  mrp_paise=3200, gst_rate_bp=500, hsn_code="0401", line_total_paise=3000),
        LineInput(sku_id=ATTA, name="Whole Wheat Atta 5 kg", sold_by="unit", quantity=1, unit_price_paise=26000,
                  mrp_paise=30000, gst_rate_bp=500, hsn_code="1101", line_total_paise=26000),
    ]  # fmt: skip
    order_id = uuid.uuid4()
    with transaction.atomic():
        place_order(
            order_id=order_id, customer_id=customer.user.pk, store_id=shop.store_id, slot_id=shop.slot.id,
            address={"name": "Asha Rao", "line1": "12, 3rd Cross", "city": "Bengaluru", "state": "Karnataka",
                     "pincode": PINCODE, "phone": "+919876543210"},
            pincode=PINCODE, payment_method="cod", lines=lines, delivery_fee_paise=2000, total_paise=31000,
        )  # fmt: skip
    wait_for(
        lambda: Order.objects.filter(pk=order_id, shipment_id__isnull=False).exists(),
        timeout=SAGA_TIMEOUT_MS / 1000,
        what="the order confirmed with its shipment",
        worker=shop.worker,
    )
    return Order.objects.get(pk=order_id)


def test_cancelling_keeps_focus_on_the_status_hides_the_tracking_code_and_logging_out_is_quiet(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    console: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    page.on("console", heard)
    customer = browser_shop.customer()
    browser_shop.log_in(customer)
    order = _confirmed_order(browser_shop, customer)

    # Straight to Your orders while the order page's socket may still be connecting.
    browser_shop.goto(f"/#/orders/{order.id}")
    expect(page.locator("#order-status")).to_have_attribute("data-status", order.status)
    page.get_by_role("link", name="← Your orders").click()
    expect(page.locator("table.orders")).to_be_visible()
    page.go_back()
    expect(page.locator("#app")).to_contain_text("Tracking code")

    page.locator("#cancel-order").focus()
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#cancel-order")).to_have_count(0)
    expect(page.locator("#order-status")).to_be_focused()
    expect(page.locator("#app")).not_to_contain_text("Tracking code")
    expect(page.locator("#order-again")).to_be_visible()

    page.click("#logout-button")
    expect(page.locator("#login-link")).to_be_visible()
    expect(page.locator("#app")).not_to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(500)  # a late console message still lands
    assert console == [], console
