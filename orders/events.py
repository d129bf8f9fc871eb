"""The events the orders app publishes: its public contract (pure data, no Django).

Every state transition is published as OrderStatusChanged (the order's timeline, for
notifications and analytics); the facts other apps act on have their own events.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shop.events import Event, Paise, Pincode, Quantity, RateBasisPoints, Value

OrderStatus = Literal[
    "pending", "awaiting_payment", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "cancelled"
]
PaymentMethod = Literal["razorpay", "cod"]
CancelReason = Literal[
    "out_of_stock",
    "store_closed",
    "slot_unavailable",
    "payment_failed",
    "payment_timeout",
    "confirmation_timeout",
    "customer_cancelled",
    "staff_cancelled",
    "delivery_failed",
]


class OrderLineItem(Value):
    """One line as ordered: price and tax frozen at checkout."""

    line_id: UUID
    sku_id: UUID
    name: str
    sold_by: Literal["unit", "weight"]
    quantity: Quantity = Field(description="Base units: packs, or grams for weight SKUs")
    unit_price_paise: Paise = Field(description="Per pack, or per kg for weight SKUs")
    mrp_paise: Paise
    line_total_paise: Paise = Field(description="GST included")
    gst_rate_bp: RateBasisPoints
    hsn_code: str
    replacement: Literal["best_match", "specific", "refund"] = Field(
        default="best_match", description="If the SKU is not there: the closest match, the SKU named, or a refund"
    )
    replacement_sku_id: UUID | None = Field(default=None, description="The SKU asked for ('specific')")
    offer_sku_id: UUID | None = Field(
        default=None, description="What the picker may put in the line's place if it is short (none: refund)"
    )
    offer_name: str = Field(default="", description="The offered SKU's name, for the pick list")
    discount_paise: Paise = Field(
        default=0, description="The line's share of the coupon's discount: the customer pays line total less this"
    )


class OrderPlaced(Event):
    """A customer's checkout became an order: stock, slot and payment follow."""

    name: ClassVar[str] = "orders.order_placed.v1"
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    slot_id: UUID
    pincode: Pincode
    payment_method: PaymentMethod
    lines: tuple[OrderLineItem, ...]
    subtotal_paise: Paise
    fees_paise: Paise
    total_paise: Paise = Field(description="What the customer pays: subtotal - discount + fees")
    payment_due_at: datetime
    #: The coupon applied at checkout and its discount on the items (added in place: none before).
    coupon_code: str = ""
    discount_paise: Paise = 0


class OrderStatusChanged(Event):
    """An order moved from one state to another (its timeline)."""

    name: ClassVar[str] = "orders.order_status_changed.v1"
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str = ""
    at: datetime


class OrderConfirmed(Event):
    """Stock, slot and payment (or cash on delivery) are in: the store may pick."""

    name: ClassVar[str] = "orders.order_confirmed.v1"
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    slot_id: UUID
    payment_method: PaymentMethod
    lines: tuple[OrderLineItem, ...]
    total_paise: Paise
    recipient_name: str
    recipient_phone: str = ""
    address_text: str = Field(description="One line, as the rider reads it")
    pincode: Pincode
    coupon_code: str = Field(default="", description="The coupon applied at checkout, if any")
    discount_paise: Paise = Field(default=0, description="The coupon's discount: total is items less this, plus fees")
    fees_paise: Paise = Field(default=0, description="Delivery, small-cart, late-night and express fees together")
    slot_starts_at: datetime | None = Field(default=None, description="The booked delivery window")
    slot_ends_at: datetime | None = None


class OrderCancelled(Event):
    """The order will not be delivered: release stock, free the slot, refund what was paid."""

    name: ClassVar[str] = "orders.order_cancelled.v1"
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    reason: CancelReason
    from_status: OrderStatus
    payment_method: PaymentMethod


class AdjustedLine(Value):
    line_id: UUID
    sku_id: UUID
    quantity_ordered: Quantity
    quantity_picked: int = Field(ge=0)
    refund_paise: Paise = Field(description="Net of the line's coupon discount: never more than was paid for it")
    name: str = Field(default="", description="The line's SKU, as ordered")
    sold_by: Literal["unit", "weight"] = Field(default="unit", description="Quantities in packs, or in grams")
    replacement_sku_id: UUID | None = Field(default=None, description="What was put in the line's place, if anything")
    replacement_name: str = ""
    quantity_replaced: int = Field(default=0, ge=0, description="Of the replacement, in its base unit")
    replacement_paise: Paise = Field(default=0, description="What the replacement costs the customer")


class OrderAdjusted(Event):
    """Picking found less (or lighter) than ordered: the customer is owed the difference.
    A line whose shortfall was made up with its replacement offer owes back its own price
    less the replacement's (charged at its checkout price, never above the line's own).
    With a coupon, the customer paid each line net of its discount share: what was kept
    keeps the same share of that discount, so the refund is net too (the discount on what did
    not come back is not given back twice).

    Published whenever a line was picked short, even when the refund rounds to nothing
    (a few grams of a cheap item): delivery holds a cash-on-delivery shipment with a short
    line until it knows the final total."""

    name: ClassVar[str] = "orders.order_adjusted.v1"
    order_id: UUID
    customer_id: UUID
    payment_method: PaymentMethod
    lines: tuple[AdjustedLine, ...]
    refund_paise: Paise = Field(description="Prepaid: refund this much; cash on delivery: collect this much less")
    final_total_paise: Paise
