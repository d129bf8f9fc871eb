"""A line short at picking, made up with the replacement the cart offered: from the basket to
the refund, the stock, the invoice, the customer's message and the store's figures."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from analytics.models import StoreDay
from catalog.events import ProductPublished
from delivery import services as delivery
from delivery.models import Shipment
from delivery.services.picking import PickInput
from inventory import services as inventory
from inventory.models import Stock
from notifications.models import Notification
from orders.models import Order
from payments.fake_razorpay import FakeRazorpay
from shop.eventbus import publish
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.cart.conftest import sku

from .conftest import ATTA, Shop

pytestmark = pytest.mark.django_db

CURD = uuid.UUID("00000000-0000-0000-0000-0000000c0000")
CURD_400 = uuid.UUID("00000000-0000-0000-0000-0000000c0400")
CURD_200 = uuid.UUID("00000000-0000-0000-0000-0000000c0200")


def _stock_curd(shop: Shop) -> None:
    """Curd in two packs: 400 g at Rs 45, 200 g at Rs 25; the store has both."""
    packs = (
        sku(CURD_400, product_id=CURD, name="Curd 400 g", price_paise=4500, mrp_paise=5000, hsn_code="0403"),
        sku(CURD_200, product_id=CURD, name="Curd 200 g", price_paise=2500, mrp_paise=2600, hsn_code="0403"),
    )
    with transaction.atomic():
        publish(ProductPublished(product_id=CURD, slug="curd", title="Curd", skus=packs), key=CURD)
    deliver_pending()
    expiry = timezone.localdate() + timedelta(days=10)
    for sku_id in (CURD_400, CURD_200):
        inventory.receive_stock(store_id=shop.store_id, sku_id=sku_id, quantity=10, expires_on=expiry, batch_code="C1")
    deliver_pending()


def _stock(shop: Shop, sku_id: uuid.UUID) -> tuple[int, int]:
    stock = Stock.objects.get(store_id=shop.store_id, sku_id=sku_id)
    return stock.on_hand, stock.reserved


def test_a_short_line_replaced_at_picking_is_charged_at_the_replacements_price(shop: Shop, fake: FakeRazorpay) -> None:
    _stock_curd(shop)
    customer = shop.customer()
    customer.fill_cart((CURD_400, 2), (ATTA, 1))  # 90.00 + 260.00 + 20.00 delivery = 370.00
    cart_lines = {line["sku_id"]: line for line in customer.client.get("/api/v1/cart/").json()["lines"]}
    assert cart_lines[str(CURD_400)]["replacement_offer"]["name"] == "Curd 200 g"
    order_id = customer.checkout("razorpay")
    deliver_pending()
    order = Order.objects.get(pk=order_id)
    fake.pay(order.razorpay_order_id)
    fake.deliver_webhooks()
    deliver_pending()
    shipment = Shipment.objects.get(order_id=order_id)
    curd_line = shipment.lines.get(sku_id=CURD_400)
    assert (curd_line.replacement_sku_id, curd_line.replacement_title) == (CURD_200, "Curd 200 g")

    # One 400 g pot on the shelf; a 200 g pot for the one missing.
    delivery.record_pick(
        shipment_id=shipment.id,
        picks=[
            PickInput(line_id=curd_line.id, outcome="replaced", quantity_picked=1, quantity_replaced=1),
            *(
                PickInput(line_id=line.id, outcome="found", quantity_picked=line.quantity)
                for line in shipment.lines.exclude(sku_id=CURD_400)
            ),
        ],
    )
    deliver_pending()
    fake.deliver_webhooks()
    deliver_pending()

    order.refresh_from_db()
    assert (order.adjustment_paise, order.refunded_paise) == (2000, 2000)  # 45.00 - 25.00 back
    detail = customer.client.get(f"/api/v1/orders/{order_id}/").json()
    line = next(line for line in detail["lines"] if line["sku_id"] == str(CURD_400))
    assert (line["outcome"], line["replaced_quantity"], line["replacement_paise"], line["refund_paise"]) == (
        "replaced",
        1,
        2500,
        2000,
    )
    assert _stock(shop, CURD_400) == (9, 0)  # one pot left the shelf, the other went back on sale
    assert _stock(shop, CURD_200) == (9, 0)  # the replacement left the shelf too
    (message,) = Notification.objects.filter(order_id=order.id, kind="order_adjusted")
    assert "Curd 400 g: 1 of 2, replaced by Curd 200 g x 1" in message.body, message.body
    assert "₹20.00" in message.body
    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())
    assert (day.lines_picked, day.lines_short, day.lines_replaced) == (2, 1, 1)

    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    delivery.deliver_shipment(shipment_id=shipment.id)
    deliver_pending()

    invoice = customer.client.get(f"/api/v1/orders/{order_id}/invoice/?format=json").json()
    rows = {row["description"]: (row["quantity"], row["total_paise"]) for row in invoice["lines"]}
    assert rows["Curd 400 g"] == ("1 pcs", 4500)
    assert rows["Curd 200 g (in place of Curd 400 g)"] == ("1 pcs", 2500)
    assert invoice["total_paise"] == 37000 - 2000
    assert not Delivery.objects.exclude(status="done").exists()  # every handler ran cleanly
