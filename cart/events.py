"""The events the cart app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shop.events import Event, Paise, Pincode, Quantity, RateBasisPoints, Value


class ReplacementOffer(Value):
    """What the picker may put in a line's place if its SKU is short: the SKU named by the
    customer ('specific') or the cart's best match (another pack of the same product), with
    its price and tax as they were at checkout. The customer never pays more for it than
    for the line's own SKU."""

    sku_id: UUID
    name: str
    unit_price_paise: Paise = Field(description="Per pack, or per kg (the line's own unit)")
    mrp_paise: Paise
    gst_rate_bp: RateBasisPoints
    hsn_code: str


class CheckoutLine(Value):
    """One line with the price and tax frozen at checkout."""

    sku_id: UUID
    name: str
    sold_by: Literal["unit", "weight"]
    quantity: Quantity = Field(description="Base units: packs, or grams")
    unit_price_paise: Paise = Field(description="Per pack, or per kg")
    mrp_paise: Paise
    line_total_paise: Paise
    gst_rate_bp: RateBasisPoints
    hsn_code: str
    replacement: Literal["best_match", "specific", "refund"] = "best_match"
    replacement_sku_id: UUID | None = None
    #: None for 'refund', or when nothing fits (added in place: None for earlier events).
    replacement_offer: ReplacementOffer | None = None
    #: The line's share of the coupon's discount (added in place: 0 for earlier events). The
    #: customer pays line_total_paise - discount_paise for the line; GST is included in that.
    discount_paise: Paise = 0


class DeliveryAddress(Value):
    name: str
    phone: str = ""
    line1: str
    line2: str = ""
    landmark: str = ""
    city: str
    state: str
    pincode: Pincode
    latitude: float | None = None
    longitude: float | None = None


class CheckoutSubmitted(Event):
    """A customer checked out: orders turns this into an order (the id is chosen here)."""

    name: ClassVar[str] = "cart.checkout_submitted.v1"
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    zone_id: UUID
    slot_id: UUID
    payment_method: Literal["razorpay", "cod"]
    address: DeliveryAddress
    lines: tuple[CheckoutLine, ...]
    subtotal_paise: Paise
    delivery_fee_paise: Paise
    small_cart_fee_paise: Paise
    late_night_fee_paise: Paise
    #: The zone's express fee, for an express slot (added in place: 0 for earlier events).
    express_fee_paise: Paise = 0
    #: The coupon applied, if any, and its discount on the items: the sum of the lines'
    #: discount_paise (a free-delivery coupon shows as a delivery fee of 0, not here).
    coupon_code: str = ""
    discount_paise: Paise = 0
    total_paise: Paise = Field(description="subtotal - discount + fees")
