"""The browser-test rig works: Chromium reaches the shop over HTTP and websockets, and the
worker moves the saga on by itself. Storefront tests build on the same fixtures."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from orders.models import Order

from .conftest import ATTA, MILK, BrowserShop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_staff_member_logs_in_to_the_admin(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect  # here: without Playwright the fixtures skip (or fail) the test

    staff = browser_shop.staff(email="ops@example.in", password="a-long-staff-password")
    page = browser_shop.page

    browser_shop.goto("/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", staff.password)
    page.click("input[type=submit]")

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.locator("#content h1")).to_have_text("Site administration")


def test_the_page_reads_the_seeded_catalogue_through_the_api(browser_shop: BrowserShop) -> None:
    browser_shop.goto("/healthz")  # any page of the shop's origin
    body = browser_shop.page.evaluate(
        """async (store) => {
            const response = await fetch(`/api/v1/catalog/products/?store=${store}`);
            return {status: response.status, json: await response.json()};
        }""",
        str(browser_shop.store_id),
    )

    assert body["status"] == 200, body
    assert body["json"]["count"] == 2
    titles = sorted(product["title"] for product in body["json"]["results"])
    assert titles == ["Toned Milk", "Whole Wheat Atta"]


def test_a_logged_in_page_checks_out_and_hears_the_order_confirmed_over_its_websocket(
    browser_shop: BrowserShop,
) -> None:
    """Session login, the cart and checkout (CSRF header from the cookie) from the page; the
    worker places and confirms the order; the server pushes each change down the socket."""
    customer = browser_shop.customer()
    page = browser_shop.page
    browser_shop.goto("/healthz")
    browser_shop.log_in(customer)

    started = time.monotonic()
    order_id = page.evaluate(
        """async ({pincode, lines, addressId, slotId, key}) => {
            const csrf = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)[1];
            const send = async (method, url, body, extra = {}) => {
                const response = await fetch(url, {
                    method, body: JSON.stringify(body),
                    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, ...extra},
                });
                const json = await response.json();
                if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
                return json;
            };
            await send("PATCH", "/api/v1/cart/", {pincode});
            for (const [sku_id, quantity] of lines) await send("POST", "/api/v1/cart/lines/", {sku_id, quantity});
            const order = await send(
                "POST", "/api/v1/checkout/",
                {address_id: addressId, slot_id: slotId, payment_method: "cod"},
                {"Idempotency-Key": key},
            );
            return order.order_id;
        }""",
        {
            "pincode": browser_shop.pincode,
            "lines": [[str(MILK), 2], [str(ATTA), 1]],
            "addressId": str(customer.address.id),
            "slotId": str(browser_shop.slot.id),
            "key": uuid.uuid4().hex,
        },
    )
    # Checkout answers before the saga places the order: the socket opens silently and
    # speaks from the order's first change.
    page.evaluate(
        """(orderId) => new Promise((resolve, reject) => {
            window.orderMessages = [];
            const socket = new WebSocket(`ws://${location.host}/ws/v1/orders/${orderId}/`);
            socket.onmessage = (event) => window.orderMessages.push(JSON.parse(event.data));
            socket.onopen = () => resolve();
            socket.onclose = (event) => reject(new Error(`socket closed: ${event.code}`));
        })""",
        order_id,
    )
    page.wait_for_function(
        "() => window.orderMessages.some((m) => ['confirmed', 'picking'].includes(m.status))", timeout=20_000
    )

    messages = page.evaluate("window.orderMessages")
    assert {m["id"] for m in messages} == {order_id}
    assert "customer_id" not in messages[-1]
    order = Order.objects.get(pk=order_id)
    assert order.customer_id == customer.user.pk
    assert order.status in ("confirmed", "picking")
    assert order.total_paise == 2 * 3000 + 26000 + 2000
    assert time.monotonic() - started < 20
