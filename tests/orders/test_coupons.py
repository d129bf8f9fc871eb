"""A coupon's discount in the order: placement, picking's refunds, the invoice, the API and admin.

The order throughout: 2 milk (60.00, GST 5 %) + 750 g tomatoes (30.00, nil GST), coupon SAVE10
(10 %: 6.00 on the milk, 3.00 on the tomatoes), delivery 25.00: 90.00 - 9.00 + 25.00 = 106.00.
"""

from __future__ import annotations

import dataclasses
import re
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cart.events import CheckoutLine, CheckoutSubmitted, DeliveryAddress
from orders import services
from orders.events import OrderAdjusted, OrderPlaced
from orders.handlers import place_order_on_checkout
from orders.models import Invoice, Order, OrderLine
from orders.services import LineInput, OfferInput, PickedLineInput
from orders.services.placement import CheckoutRejected
from shop.accounts.models import User
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events
from tests.accounts.factories import PASSWORD, UserFactory

from .factories import ADDRESS, hold_stock_and_slot, milk, place, tomatoes

pytestmark = pytest.mark.django_db

MILK_SKU, TOMATO_SKU = milk().sku_id, tomatoes().sku_id
DOUBLE_TONED = OfferInput(
    sku_id=uuid.UUID("00000000-0000-0000-0000-00000000b001"), name="Double Toned Milk 500 ml",
    unit_price_paise=2500, mrp_paise=2900, gst_rate_bp=500, hsn_code="0401",
)  # fmt: skip  # Rs 25.00, cheaper than the line's Rs 30.00


def _lines(*, milk_discount: int = 600, tomato_discount: int = 300, offer: OfferInput | None = None) -> list[LineInput]:
    return [
        dataclasses.replace(milk(), discount_paise=milk_discount, offer=offer),
        dataclasses.replace(tomatoes(), discount_paise=tomato_discount),
    ]


def _place_with_coupon(*, offer: OfferInput | None = None, **overrides) -> Order:
    kwargs = {
        "payment_method": "cod",
        "lines": _lines(offer=offer),
        "coupon_code": "SAVE10",
        "discount_paise": 900,
        "total_paise": 10600,
        **overrides,
    }
    return place(**kwargs)


def _confirmed(**overrides) -> Order:
    order = _place_with_coupon(**overrides)
    hold_stock_and_slot(order)
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    return order


def _pick(order: Order, *lines: PickedLineInput) -> OrderAdjusted | None:
    with captured_events() as published:
        services.record_picked(order_id=order.id, lines=list(lines))
    adjusted = [e for e in published if isinstance(e, OrderAdjusted)]
    return adjusted[0] if adjusted else None


def _deliver(order: Order) -> Invoice:
    services.record_delivered(order_id=order.id, delivered_at=timezone.now(), cash_collected_paise=0)
    return Invoice.objects.get(order_id=order.id)


def _refunds(order: Order) -> dict[str, int]:
    return dict(OrderLine.objects.filter(order=order).values_list("name", "refund_paise"))


def _assert_adds_up(invoice: Invoice) -> None:
    for line in invoice.lines:
        assert (
            line["taxable_paise"] + line["cgst_paise"] + line["sgst_paise"] + line["igst_paise"] == line["total_paise"]
        ), line
    for key in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise"):
        assert getattr(invoice, key) == sum(line[key] for line in invoice.lines), key


# Placement


def test_the_order_keeps_the_coupon_its_discount_and_the_gst_on_what_is_paid() -> None:
    with captured_events() as published:
        order = _place_with_coupon()

    order.refresh_from_db()
    assert (order.coupon_code, order.discount_paise) == ("SAVE10", 900)
    assert (order.subtotal_paise, order.total_paise) == (9000, 10600)
    # Milk: GST in 54.00 (not 60.00) is 2.57; tomatoes nil; the delivery fee's 18 % in 25.00 is 3.81.
    assert order.tax_paise == 257 + 0 + 381
    lines = {line.name: line for line in order.lines.all()}
    assert [(line.discount_paise, line.tax_paise) for line in lines.values()] == [(300, 0), (600, 257)]
    placed = next(e for e in published if isinstance(e, OrderPlaced))
    assert (placed.coupon_code, placed.discount_paise, placed.subtotal_paise, placed.total_paise) == (
        "SAVE10",
        900,
        9000,
        10600,
    )
    assert {line.name: line.discount_paise for line in placed.lines} == {
        "Toned Milk 500 ml": 600,
        "Tomato (loose)": 300,
    }


def test_an_order_without_a_coupon_is_as_before() -> None:
    order = place()
    assert (order.coupon_code, order.discount_paise, order.total_paise) == ("", 0, 11500)
    assert set(order.lines.values_list("discount_paise", flat=True)) == {0}


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"discount_paise": 800, "total_paise": 10700}, id="shares-do-not-add-up-to-the-discount"),
        pytest.param({"total_paise": 11500}, id="total-not-less-the-discount"),
        pytest.param({"total_paise": 9700}, id="discount-taken-off-twice"),
        pytest.param(
            {"lines": _lines(milk_discount=0, tomato_discount=3100), "discount_paise": 3100, "total_paise": 8400},
            id="a-share-above-its-line",
        ),
        pytest.param({"lines": _lines(milk_discount=-100, tomato_discount=1000)}, id="a-negative-share"),
        pytest.param(
            {"lines": _lines(milk_discount=-100, tomato_discount=0), "discount_paise": -100, "total_paise": 11600},
            id="a-negative-discount",
        ),
        pytest.param({"coupon_code": "X" * 41}, id="a-coupon-code-too-long"),
    ],
)
def test_a_discount_that_does_not_add_up_is_rejected_and_writes_nothing(overrides: dict) -> None:
    with pytest.raises(CheckoutRejected):
        _place_with_coupon(**overrides)
    assert Order.objects.count() == 0
    assert EventRecord.objects.count() == 0


def test_the_database_refuses_a_total_or_a_share_that_does_not_add_up() -> None:
    order = _place_with_coupon()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(discount_paise=1000)  # total no longer = 90 - 10 + 25
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(discount_paise=-100, total_paise=11600)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(order=order, name="Tomato (loose)").update(discount_paise=3001)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(order=order, name="Tomato (loose)").update(discount_paise=-1)


def test_the_checkout_handler_brings_the_coupon_into_the_order() -> None:
    def line(item: LineInput, discount: int) -> CheckoutLine:
        return CheckoutLine(
            sku_id=item.sku_id, name=item.name, sold_by=item.sold_by, quantity=item.quantity,  # type: ignore[arg-type]
            unit_price_paise=item.unit_price_paise, mrp_paise=item.mrp_paise, line_total_paise=item.line_total_paise,
            gst_rate_bp=item.gst_rate_bp, hsn_code=item.hsn_code, discount_paise=discount,
        )  # fmt: skip

    event = CheckoutSubmitted(
        order_id=uuid.uuid4(), customer_id=uuid.uuid4(), store_id=uuid.uuid4(), zone_id=uuid.uuid4(),
        slot_id=uuid.uuid4(), payment_method="cod", address=DeliveryAddress(**ADDRESS),
        lines=(line(milk(), 600), line(tomatoes(), 300)), subtotal_paise=9000, delivery_fee_paise=2500,
        small_cart_fee_paise=0, late_night_fee_paise=0, coupon_code="SAVE10", discount_paise=900, total_paise=10600,
    )  # fmt: skip

    with transaction.atomic():
        place_order_on_checkout(event)

    order = Order.objects.get(pk=event.order_id)
    assert (order.coupon_code, order.discount_paise, order.total_paise) == ("SAVE10", 900, 10600)
    assert dict(order.lines.values_list("name", "discount_paise")) == {"Toned Milk 500 ml": 600, "Tomato (loose)": 300}


# Picking: what comes back is net of the discount


def test_a_short_line_refunds_its_unpicked_part_net_of_its_discount() -> None:
    order = _confirmed()

    adjusted = _pick(
        order,
        PickedLineInput(sku_id=MILK_SKU, quantity_picked=1),  # one pack of two: paid 27.00 for each
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=750),
    )

    assert _refunds(order) == {"Toned Milk 500 ml": 2700, "Tomato (loose)": 0}
    assert adjusted is not None
    assert [(line.name, line.refund_paise) for line in adjusted.lines] == [("Toned Milk 500 ml", 2700)]
    assert (adjusted.refund_paise, adjusted.final_total_paise) == (2700, 7900)
    order.refresh_from_db()
    assert (order.adjustment_paise, order.final_total_paise) == (2700, 7900)


def test_a_line_not_found_at_all_refunds_exactly_what_was_paid_for_it() -> None:
    order = _confirmed()

    adjusted = _pick(
        order,
        PickedLineInput(sku_id=MILK_SKU, quantity_picked=0),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=750),
    )

    assert _refunds(order) == {"Toned Milk 500 ml": 5400, "Tomato (loose)": 0}  # 60.00 less its 6.00 off
    assert adjusted is not None
    assert (adjusted.refund_paise, adjusted.final_total_paise) == (5400, 5200)


def test_a_lighter_weight_keeps_its_share_of_the_discount_rounded_half_up() -> None:
    order = _confirmed()

    _pick(
        order,
        PickedLineInput(sku_id=MILK_SKU, quantity_picked=2),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=333),  # 13.32 kept, its discount 1.332 -> 1.33
    )

    assert _refunds(order) == {"Toned Milk 500 ml": 0, "Tomato (loose)": 2700 - (1332 - 133)}
    order.refresh_from_db()
    assert order.adjustment_paise == 1501
    assert OrderLine.objects.get(order=order, name="Tomato (loose)").outcome == OrderLine.Outcome.WEIGHED


def test_a_replaced_line_keeps_the_discount_on_what_was_kept() -> None:
    order = _confirmed(offer=DOUBLE_TONED)

    adjusted = _pick(
        order,
        PickedLineInput(
            sku_id=MILK_SKU, quantity_picked=1, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=1
        ),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=750),
    )

    # Kept: 30.00 + 25.00 = 55.00 of 60.00, with 55/60 of the 6.00 off: 49.50 of the 54.00 paid.
    milk_line = OrderLine.objects.get(order=order, name="Toned Milk 500 ml")
    assert (milk_line.outcome, milk_line.replacement_paise, milk_line.refund_paise) == ("replaced", 2500, 450)
    assert adjusted is not None
    assert (adjusted.lines[0].replacement_paise, adjusted.lines[0].refund_paise) == (2500, 450)
    assert (adjusted.refund_paise, adjusted.final_total_paise) == (450, 10150)


def test_everything_found_refunds_nothing() -> None:
    order = _confirmed()

    adjusted = _pick(
        order,
        PickedLineInput(sku_id=MILK_SKU, quantity_picked=2),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=800),
    )

    assert adjusted is None
    assert _refunds(order) == {"Toned Milk 500 ml": 0, "Tomato (loose)": 0}
    order.refresh_from_db()
    assert (order.status, order.adjustment_paise, order.final_total_paise) == ("picking", 0, 10600)


def test_a_line_wholly_discounted_refunds_nothing_when_short() -> None:
    order = _confirmed(
        lines=_lines(milk_discount=6000, tomato_discount=0), discount_paise=6000, total_paise=9000 - 6000 + 2500
    )

    _pick(
        order,
        PickedLineInput(sku_id=MILK_SKU, quantity_picked=1),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=750),
    )

    assert _refunds(order) == {"Toned Milk 500 ml": 0, "Tomato (loose)": 0}  # nothing was paid for it


# The invoice: net line values, adding up to what the customer pays


@pytest.mark.parametrize(
    ("milk_picked", "tomato_grams", "replaced"),
    [(2, 750, 0), (1, 750, 0), (0, 750, 0), (1, 333, 0), (1, 700, 1), (0, 1, 2), (2, 0, 0)],
)
def test_the_invoice_adds_up_to_the_total_less_the_adjustment(
    milk_picked: int, tomato_grams: int, replaced: int
) -> None:
    order = _confirmed(offer=DOUBLE_TONED)
    _pick(
        order,
        PickedLineInput(
            sku_id=MILK_SKU,
            quantity_picked=milk_picked,
            replacement_sku_id=DOUBLE_TONED.sku_id if replaced else None,
            quantity_replaced=replaced,
        ),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=tomato_grams),
    )

    invoice = _deliver(order)

    order.refresh_from_db()
    assert invoice.total_paise == order.total_paise - order.adjustment_paise == order.final_total_paise
    refunded = sum(OrderLine.objects.filter(order=order).values_list("refund_paise", flat=True))
    assert invoice.total_paise == 10600 - refunded
    assert invoice.discount_paise == sum(line["discount_paise"] for line in invoice.lines)
    _assert_adds_up(invoice)


def test_the_invoice_bills_each_row_net_of_its_share_and_names_the_coupon() -> None:
    asha = UserFactory()
    order = _confirmed(offer=DOUBLE_TONED, customer_id=asha.id)
    _pick(
        order,
        PickedLineInput(
            sku_id=MILK_SKU, quantity_picked=1, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=1
        ),
        PickedLineInput(sku_id=TOMATO_SKU, quantity_picked=750),
    )

    invoice = _deliver(order)

    assert [
        (line["description"], line["discount_paise"], line["taxable_paise"], line["cgst_paise"], line["sgst_paise"],
         line["total_paise"])
        for line in invoice.lines
    ] == [
        ("Tomato (loose)", 300, 2700, 0, 0, 2700),
        ("Toned Milk 500 ml", 300, 2571, 64, 65, 2700),  # 30.00 less its 3.00
        ("Double Toned Milk 500 ml (in place of Toned Milk 500 ml)", 250, 2143, 53, 54, 2250),  # 25.00 less 2.50
        ("Delivery fee", 0, 2119, 190, 191, 2500),
    ]  # fmt: skip
    assert (invoice.coupon_code, invoice.discount_paise, invoice.total_paise) == ("SAVE10", 850, 10150)
    _assert_adds_up(invoice)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=asha).key}")
    html = client.get(f"/api/v1/orders/{order.id}/invoice/", HTTP_ACCEPT="text/html").content.decode()
    assert "Coupon SAVE10: discount ₹8.50 included in the line values." in html
    body = client.get(f"/api/v1/orders/{order.id}/invoice/?format=json").json()
    assert (body["coupon_code"], body["discount_paise"], body["total_paise"]) == ("SAVE10", 850, 10150)


def test_an_invoice_without_a_coupon_says_nothing_of_one() -> None:
    asha = UserFactory()
    order = place(payment_method="cod", customer_id=asha.id)
    hold_stock_and_slot(order)

    invoice = _deliver(order)

    assert (invoice.coupon_code, invoice.discount_paise) == ("", 0)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=asha).key}")
    assert "Coupon" not in client.get(f"/api/v1/orders/{order.id}/invoice/", HTTP_ACCEPT="text/html").content.decode()


# The API and the admin


def test_the_api_shows_the_coupon_and_the_discounts() -> None:
    asha = UserFactory()
    order = _place_with_coupon(customer_id=asha.id)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=asha).key}")

    detail = client.get(f"/api/v1/orders/{order.id}/").json()

    totals = detail["totals"]
    assert (totals["coupon_code"], totals["discount_paise"]) == ("SAVE10", 900)
    assert (totals["subtotal_paise"], totals["tax_included_paise"], totals["total_paise"]) == (9000, 638, 10600)
    assert {line["name"]: line["discount_paise"] for line in detail["lines"]} == {
        "Toned Milk 500 ml": 600,
        "Tomato (loose)": 300,
    }


def test_the_admin_shows_the_coupon_and_each_lines_discount(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = _place_with_coupon()

    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    assert "items (GST incl.) ₹90.00 - coupon SAVE10 ₹9.00 + delivery fee ₹25.00 = ₹106.00" in page
    discounts = re.findall(r'<td class="field-discount">\s*<p>([^<]*)</p>', page)
    assert sorted(discounts) == ["₹3.00", "₹6.00"]  # the lines' shares
