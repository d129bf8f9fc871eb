"""Replacements as the customer sees them: the cart says what would be brought if a line is
short (or that it would be refunded), and the order page, after picking, what was.

The shop is test_storefront's plus curd in two packs (400 g at ₹45, 200 g at ₹25), both in
stock at the store of 560038. The order is placed through the API, picked through delivery's
service, and the real worker process carries the events."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from cart.models import CartLine
from delivery import services as delivery
from delivery.models import Shipment
from delivery.services.picking import PickInput
from inventory import services as inventory
from orders.models import OrderLine
from shop.eventbus.testing import deliver_pending
from tests.catalog.factories import CategoryFactory, TaxClassFactory, make_product

from .conftest import PINCODE, BrowserShop, ShopData, build_browser_shop

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

CURD_400 = uuid.UUID("00000000-0000-4000-8000-0000000c0400")
CURD_200 = uuid.UUID("00000000-0000-4000-8000-0000000c0200")


@pytest.fixture
def shop_data(transactional_db: None) -> ShopData:
    data = build_browser_shop()
    make_product(
        title="Curd",
        category=CategoryFactory.create(name="Curd", slug="curd"),
        tax_class=TaxClassFactory.create(),
        hsn_code="0403",
        skus=[
            {"sku_id": CURD_400, "code": "CURD-400", "price_paise": 4500, "mrp_paise": 5000,
             "pack_size": 400, "pack_unit": "g", "max_per_order": 10},
            {"sku_id": CURD_200, "code": "CURD-200", "price_paise": 2500, "mrp_paise": 2600,
             "pack_size": 200, "pack_unit": "g", "max_per_order": 10},
        ],
    )  # fmt: skip
    deliver_pending()
    expiry = timezone.localdate() + timedelta(days=10)
    for sku_id in (CURD_400, CURD_200):
        inventory.receive_stock(store_id=data.store_id, sku_id=sku_id, quantity=20, expires_on=expiry, batch_code="C")
    deliver_pending()  # the cart learns the packs and their stock
    return data


def _api(shop: BrowserShop, token: str, method: str, path: str, body: dict[str, object], **headers: str) -> dict:
    response = shop.page.request.fetch(
        f"{shop.url}{path}", method=method, data=body, headers={"Authorization": f"Token {token}", **headers}
    )
    assert response.ok, response.text()
    return dict(response.json())


def _wait_for(check, what: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


def _curd_line(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("li.line", has_text="Curd")


def test_the_cart_and_the_order_page_say_what_replaces_a_short_line(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    token = browser_shop.log_in(customer)
    _api(browser_shop, token, "PATCH", "/api/v1/cart/", {"pincode": PINCODE})
    cart = _api(browser_shop, token, "POST", "/api/v1/cart/lines/", {"sku_id": str(CURD_400), "quantity": 2})
    name_of_400 = cart["lines"][0]["name"]
    name_of_200 = cart["lines"][0]["replacement_offer"]["name"]

    browser_shop.goto("/#/cart")
    expect(_curd_line(page)).to_contain_text(f"We would bring {name_of_200}, at no more than this item's price.")
    _curd_line(page).get_by_label(f"If {name_of_400} is out of stock").select_option("refund")
    expect(_curd_line(page)).not_to_contain_text("We would bring")
    _curd_line(page).get_by_label(f"If {name_of_400} is out of stock").select_option("best_match")
    expect(_curd_line(page)).to_contain_text(f"We would bring {name_of_200}")
    # The product's other pack can be named outright ('specific').
    _curd_line(page).get_by_label(f"If {name_of_400} is out of stock").select_option(
        label=f"replace with {name_of_200} (₹25.00)"
    )
    _wait_for(
        lambda: CartLine.objects.filter(sku_id=CURD_400, replacement="specific", replacement_sku_id=CURD_200).exists(),
        "the cart to keep the SKU named",
    )
    expect(_curd_line(page)).to_contain_text(f"We would bring {name_of_200}")

    placed = _api(
        browser_shop,
        token,
        "POST",
        "/api/v1/checkout/",
        {"address_id": str(customer.address.id), "slot_id": str(browser_shop.slot.id), "payment_method": "cod"},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    order_id = placed["order_id"]
    _wait_for(lambda: Shipment.objects.filter(order_id=order_id).exists(), "the shipment")
    shipment = Shipment.objects.get(order_id=order_id)
    line = shipment.lines.get()
    delivery.record_pick(
        shipment_id=shipment.id,
        picks=[PickInput(line_id=line.id, outcome="replaced", quantity_picked=1, quantity_replaced=1)],
    )
    _wait_for(
        lambda: OrderLine.objects.filter(order_id=order_id, outcome="replaced").exists(), "the order to hear of it"
    )
    assert OrderLine.objects.get(order_id=order_id).replacement == "specific"

    browser_shop.goto(f"/#/orders/{order_id}")
    row = page.locator("tr", has_text=name_of_400)
    expect(row).to_contain_text(f"replaced by {name_of_200} \N{MULTIPLICATION SIGN} 1 (₹25.00)")
    expect(row).to_contain_text("₹20.00 not charged")
