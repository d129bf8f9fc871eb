"""Placing an order from a submitted checkout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.db import create_or_get
from shop.eventbus import PermanentError, publish
from shop.money import fees_gst_paise, gst_included_paise, line_total_paise

from .. import live
from ..events import OrderLineItem, OrderPlaced, OrderStatusChanged
from ..models import Order, OrderLine, OrderTransition


@dataclass(frozen=True)
class OfferInput:
    """The replacement the cart offered for a line, priced at checkout."""

    sku_id: UUID
    name: str
    unit_price_paise: int
    mrp_paise: int
    gst_rate_bp: int
    hsn_code: str


@dataclass(frozen=True)
class LineInput:
    sku_id: UUID
    name: str
    sold_by: str
    quantity: int
    unit_price_paise: int
    mrp_paise: int
    gst_rate_bp: int
    hsn_code: str
    line_total_paise: int
    replacement: str = "best_match"
    replacement_sku_id: UUID | None = None
    offer: OfferInput | None = None
    #: The line's share of the coupon's discount: the customer pays line_total_paise - this.
    discount_paise: int = 0


#: Longest coupon code kept (the cart's are at most 30 characters).
COUPON_CODE_MAX = 40


class CheckoutRejected(PermanentError):
    """The submitted checkout does not add up: no order can come of it."""


def payment_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "ORDERS_PAYMENT_WINDOW_SECONDS", 15 * 60))


@transaction.atomic(savepoint=False)  # a failure fails the caller: no savepoint to roll back to
def place_order(
    *,
    order_id: UUID,
    customer_id: UUID,
    store_id: UUID,
    slot_id: UUID,
    address: dict[str, Any],
    pincode: str,
    payment_method: str,
    lines: list[LineInput],
    delivery_fee_paise: int = 0,
    small_cart_fee_paise: int = 0,
    late_night_fee_paise: int = 0,
    express_fee_paise: int = 0,
    coupon_code: str = "",
    discount_paise: int = 0,
    total_paise: int,
) -> Order:
    """Record the order (once per order id) and publish OrderPlaced: stock, slot and payment follow.

    A coupon's discount comes shared out over the lines by the cart: the shares add up to the
    order's discount, each within its line, and total = subtotal - discount + fees."""
    if payment_method not in Order.PaymentMethod.values:
        raise CheckoutRejected(f"unknown payment method {payment_method!r}")
    if not lines:
        raise CheckoutRejected("an order needs at least one line")
    for line in lines:
        expected = line_total_paise(
            sold_by=line.sold_by, unit_price_paise=line.unit_price_paise, quantity=line.quantity
        )
        if line.quantity <= 0 or expected != line.line_total_paise:
            raise CheckoutRejected(
                f"line {line.sku_id}: {line.quantity} x {line.unit_price_paise} != {line.line_total_paise}"
            )
        if not 0 <= line.discount_paise <= line.line_total_paise:
            raise CheckoutRejected(
                f"line {line.sku_id}: discount {line.discount_paise} not within its total {line.line_total_paise}"
            )
    if len(coupon_code) > COUPON_CODE_MAX:
        raise CheckoutRejected(f"coupon code longer than {COUPON_CODE_MAX} characters")
    shares = sum(line.discount_paise for line in lines)
    if discount_paise < 0 or shares != discount_paise:
        raise CheckoutRejected(f"discount {discount_paise} != the lines' shares {shares}")
    subtotal = sum(line.line_total_paise for line in lines)
    every_fee = (delivery_fee_paise, small_cart_fee_paise, late_night_fee_paise, express_fee_paise)
    fees = sum(every_fee)
    if subtotal - discount_paise + fees != total_paise or min(every_fee) < 0:
        raise CheckoutRejected(f"total {total_paise} != lines {subtotal} - discount {discount_paise} + fees {fees}")

    now = timezone.now()
    order, new = create_or_get(
        Order,
        {"id": order_id},
        customer_id=customer_id,
        store_id=store_id,
        slot_id=slot_id,
        payment_method=payment_method,
        payment_state=Order.PaymentState.COD if payment_method == "cod" else Order.PaymentState.PENDING,
        address=address,
        pincode=pincode,
        subtotal_paise=subtotal,
        # GST included in what the customer pays for the lines (net of the discount) and in each
        # fee (a service at 18 %), as the invoice will show it.
        tax_paise=sum(_line_tax(line) for line in lines) + fees_gst_paise(*every_fee),
        savings_paise=sum(
            max(
                0,
                line_total_paise(sold_by=line.sold_by, unit_price_paise=line.mrp_paise, quantity=line.quantity)
                - line.line_total_paise,
            )
            for line in lines
        ),
        delivery_fee_paise=delivery_fee_paise,
        small_cart_fee_paise=small_cart_fee_paise,
        late_night_fee_paise=late_night_fee_paise,
        express_fee_paise=express_fee_paise,
        coupon_code=coupon_code,
        discount_paise=discount_paise,
        total_paise=total_paise,
        payment_due_at=now + payment_window(),
        placed_at=now,
    )
    if not new:
        return order  # a redelivered checkout: the order exists already
    created = OrderLine.objects.bulk_create(
        [
            OrderLine(
                id=uuid4(),
                order=order,
                sku_id=line.sku_id,
                name=line.name,
                sold_by=line.sold_by,
                quantity=line.quantity,
                unit_price_paise=line.unit_price_paise,
                mrp_paise=line.mrp_paise,
                line_total_paise=line.line_total_paise,
                gst_rate_bp=line.gst_rate_bp,
                hsn_code=line.hsn_code,
                discount_paise=line.discount_paise,
                tax_paise=_line_tax(line),
                replacement=line.replacement,
                replacement_sku_id=line.replacement_sku_id,
                **_offer_fields(line.offer),
            )
            for line in lines
        ]
    )
    OrderTransition.objects.create(order=order, from_status="", to_status=order.status, reason="placed", at=now)
    publish(
        OrderPlaced(
            order_id=order.id,
            customer_id=customer_id,
            store_id=store_id,
            slot_id=slot_id,
            pincode=pincode,
            payment_method=payment_method,
            lines=tuple(line_item(line) for line in created),
            subtotal_paise=subtotal,
            fees_paise=fees,
            total_paise=total_paise,
            payment_due_at=order.payment_due_at,
            coupon_code=coupon_code,
            discount_paise=discount_paise,
        ),
        key=order.id,
    )
    publish(
        OrderStatusChanged(
            order_id=order.id,
            customer_id=customer_id,
            store_id=store_id,
            from_status=None,
            to_status="pending",
            reason="placed",
            at=now,
        ),
        key=order.id,
    )
    live.announce(order)
    return order


def _line_tax(line: LineInput) -> int:
    """The GST included in what the customer pays for the line: its total less its discount."""
    return gst_included_paise(line.line_total_paise - line.discount_paise, line.gst_rate_bp)


def _offer_fields(offer: OfferInput | None) -> dict[str, Any]:
    if offer is None:
        return {}
    return {
        "offer_sku_id": offer.sku_id,
        "offer_name": offer.name,
        "offer_unit_price_paise": offer.unit_price_paise,
        "offer_mrp_paise": offer.mrp_paise,
        "offer_gst_rate_bp": offer.gst_rate_bp,
        "offer_hsn_code": offer.hsn_code,
    }


def line_item(line: OrderLine) -> OrderLineItem:
    return OrderLineItem(
        line_id=line.id,
        sku_id=line.sku_id,
        name=line.name,
        sold_by=line.sold_by,
        quantity=line.quantity,
        unit_price_paise=line.unit_price_paise,
        mrp_paise=line.mrp_paise,
        line_total_paise=line.line_total_paise,
        gst_rate_bp=line.gst_rate_bp,
        hsn_code=line.hsn_code,
        replacement=line.replacement,  # one of REPLACEMENTS, as the cart sent it
        replacement_sku_id=line.replacement_sku_id,
        offer_sku_id=line.offer_sku_id,
        offer_name=line.offer_name,
        discount_paise=line.discount_paise,
    )
