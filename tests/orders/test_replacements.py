"""A short line made up with its replacement offer: what it costs, what comes back, the invoice."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from django.utils import timezone

from orders import services
from orders.events import OrderAdjusted, OrderConfirmed
from orders.models import Invoice, Order, OrderLine
from orders.services import OfferInput, PickedLineInput
from shop.eventbus.testing import captured_events

from .factories import hold_stock_and_slot, milk, place, tomatoes

pytestmark = pytest.mark.django_db

DOUBLE_TONED = OfferInput(
    sku_id=uuid.UUID("00000000-0000-0000-0000-00000000b001"), name="Double Toned Milk 500 ml",
    unit_price_paise=2800, mrp_paise=2900, gst_rate_bp=500, hsn_code="0401",
)  # fmt: skip  # cheaper than the line's Rs 30.00
FULL_CREAM = OfferInput(
    sku_id=uuid.UUID("00000000-0000-0000-0000-00000000b002"), name="Full Cream Milk 500 ml",
    unit_price_paise=3400, mrp_paise=3500, gst_rate_bp=500, hsn_code="0401",
)  # fmt: skip  # dearer than the line's Rs 30.00
HYBRID_TOMATO = OfferInput(
    sku_id=uuid.UUID("00000000-0000-0000-0000-00000000b003"), name="Hybrid Tomato (loose)",
    unit_price_paise=3600, mrp_paise=4000, gst_rate_bp=0, hsn_code="0702",
)  # fmt: skip  # Rs 36.00 per kg, the line's Rs 40.00


def _order(*, milk_offer: OfferInput | None, tomato_offer: OfferInput | None = None, method: str = "cod") -> Order:
    """2 milk (60.00) + 750 g tomatoes (30.00) + delivery 25.00 = 115.00, confirmed."""
    order = place(
        payment_method=method,
        lines=[dataclasses.replace(milk(), offer=milk_offer), dataclasses.replace(tomatoes(), offer=tomato_offer)],
    )
    hold_stock_and_slot(order)
    if method == "razorpay":
        services.record_payment_requested(
            order_id=order.id, intent_id=uuid.uuid4(), razorpay_order_id="order_X", key_id="rzp_test"
        )
        services.record_payment_captured(order_id=order.id, amount_paise=order.total_paise)
    return order


def _pick(order: Order, *lines: PickedLineInput) -> OrderAdjusted | None:
    with captured_events() as published:
        services.record_picked(order_id=order.id, lines=list(lines))
    adjusted = [e for e in published if isinstance(e, OrderAdjusted)]
    return adjusted[0] if adjusted else None


def _line(order: Order, name: str) -> OrderLine:
    return OrderLine.objects.get(order=order, name=name)


def test_the_offer_travels_to_the_pick_list() -> None:
    with captured_events() as published:
        order = _order(milk_offer=DOUBLE_TONED)
    (confirmed,) = [e for e in published if isinstance(e, OrderConfirmed)]
    offers = {item.name: (item.offer_sku_id, item.offer_name) for item in confirmed.lines}
    assert offers == {
        "Toned Milk 500 ml": (DOUBLE_TONED.sku_id, DOUBLE_TONED.name),
        "Tomato (loose)": (None, ""),
    }
    assert _line(order, "Toned Milk 500 ml").offer_unit_price_paise == 2800


def test_a_cheaper_replacement_costs_its_own_price_and_the_difference_comes_back() -> None:
    order = _order(milk_offer=DOUBLE_TONED)

    adjusted = _pick(
        order,
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=0, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=2
        ),
        PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=750),
    )

    line = _line(order, "Toned Milk 500 ml")
    assert (line.outcome, line.picked_quantity, line.replaced_quantity) == ("replaced", 0, 2)
    assert (line.replacement_paise, line.refund_paise) == (5600, 400)  # 2 x 28.00 charged, 4.00 back
    assert adjusted is not None
    assert (adjusted.refund_paise, adjusted.final_total_paise) == (400, 11500 - 400)
    (adjusted_line,) = adjusted.lines
    assert (adjusted_line.name, adjusted_line.replacement_name, adjusted_line.replacement_sku_id) == (
        "Toned Milk 500 ml",
        DOUBLE_TONED.name,
        DOUBLE_TONED.sku_id,
    )
    assert (adjusted_line.quantity_picked, adjusted_line.quantity_replaced, adjusted_line.replacement_paise) == (
        0,
        2,
        5600,
    )
    order.refresh_from_db()
    assert (order.status, order.adjustment_paise) == ("picking", 400)


def test_a_dearer_replacement_costs_no_more_than_the_line_and_nothing_comes_back() -> None:
    order = _order(milk_offer=FULL_CREAM, method="razorpay")

    adjusted = _pick(
        order,
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=1, replacement_sku_id=FULL_CREAM.sku_id, quantity_replaced=1
        ),
        PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=750),
    )

    line = _line(order, "Toned Milk 500 ml")
    assert (line.outcome, line.replacement_paise, line.refund_paise) == ("replaced", 3000, 0)
    assert adjusted is not None  # announced all the same: the line changed
    assert (adjusted.refund_paise, adjusted.final_total_paise) == (0, 11500)


def test_only_the_shortfall_is_charged_and_weighed_replacements_follow_the_weight() -> None:
    order = _order(milk_offer=DOUBLE_TONED, tomato_offer=HYBRID_TOMATO)

    adjusted = _pick(
        order,
        # one pack found, three of the replacement put in for the one missing: one is charged
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=1, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=3
        ),
        # 250 g found, 480 g of the hybrid for the 500 g missing: 10.00 + 480 g at 36.00/kg (17.28)
        PickedLineInput(
            sku_id=tomatoes().sku_id,
            quantity_picked=250,
            replacement_sku_id=HYBRID_TOMATO.sku_id,
            quantity_replaced=480,
        ),
    )

    milk_line, tomato_line = _line(order, "Toned Milk 500 ml"), _line(order, "Tomato (loose)")
    assert (milk_line.replaced_quantity, milk_line.replacement_paise, milk_line.refund_paise) == (3, 2800, 200)
    assert (tomato_line.outcome, tomato_line.replacement_paise, tomato_line.refund_paise) == ("replaced", 1728, 272)
    assert adjusted is not None
    assert adjusted.refund_paise == 200 + 272


def test_a_replacement_nobody_offered_is_not_charged() -> None:
    order = _order(milk_offer=None)

    _pick(
        order,
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=0, replacement_sku_id=FULL_CREAM.sku_id, quantity_replaced=2
        ),
        PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=750),
    )

    line = _line(order, "Toned Milk 500 ml")
    assert (line.outcome, line.replaced_quantity, line.replacement_paise, line.refund_paise) == ("replaced", 2, 0, 6000)


def test_an_order_made_up_only_of_replacements_is_delivered_not_cancelled() -> None:
    order = _order(milk_offer=DOUBLE_TONED)

    _pick(
        order,
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=0, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=2
        ),
        PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=0),
    )

    order.refresh_from_db()
    assert order.status == "picking"
    assert order.adjustment_paise == 400 + 3000


def test_the_invoice_bills_the_replacement_as_its_own_supply() -> None:
    order = _order(milk_offer=DOUBLE_TONED)
    _pick(
        order,
        PickedLineInput(
            sku_id=milk().sku_id, quantity_picked=1, replacement_sku_id=DOUBLE_TONED.sku_id, quantity_replaced=1
        ),
        PickedLineInput(sku_id=tomatoes().sku_id, quantity_picked=750),
    )
    order.refresh_from_db()

    paid = order.final_total_paise
    services.record_delivered(order_id=order.id, delivered_at=timezone.now(), cash_collected_paise=paid)

    invoice = Invoice.objects.get(order=order)
    rows = {line["description"]: (line["hsn"], line["quantity"], line["total_paise"]) for line in invoice.lines}
    assert rows["Toned Milk 500 ml"] == ("0401", "1 pcs", 3000)
    assert rows["Double Toned Milk 500 ml (in place of Toned Milk 500 ml)"] == ("0401", "1 pcs", 2800)
    assert invoice.total_paise == order.final_total_paise == 11500 - 200
