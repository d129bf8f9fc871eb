"""Pricing a cart from its own projections: lines, GST included, savings, fees, coupon, total."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from uuid import UUID

from django.utils import timezone

from shop.db import one_or_none
from shop.money import fees_gst_paise, format_inr, grams_label, gst_included_paise, line_total_paise

from ..models import Availability, Cart, CartLine, Coupon, DeliverySlot, Sku, StorePrice, Zone, ZonePincode
from .coupons import apply_coupon


@dataclass
class PricedLine:
    line: CartLine
    sku: Sku | None
    unit_price_paise: int = 0
    line_total_paise: int = 0
    tax_paise: int = 0
    savings_paise: int = 0
    #: The line's share of the coupon's discount (the customer pays line_total - discount).
    discount_paise: int = 0
    #: The most of this SKU the cart may hold now, in base units: its max per order, and the
    #: store's available stock once the cart has a store. None when the SKU is unknown.
    max_quantity: int | None = None
    problems: list[str] = field(default_factory=list)
    #: What the customer should know but need not act on (e.g. the quantity was capped when
    #: their carts were merged at login): shown with the problems, never blocks the order.
    notices: list[str] = field(default_factory=list)

    @property
    def orderable(self) -> bool:
        return not self.problems


@dataclass
class PricedCart:
    cart: Cart
    lines: list[PricedLine]
    zone: Zone | None
    subtotal_paise: int = 0
    tax_paise: int = 0
    savings_paise: int = 0
    delivery_fee_paise: int = 0
    small_cart_fee_paise: int = 0
    late_night_fee_paise: int = 0
    express_fee_paise: int = 0
    #: The delivery slot the fees were priced for, if one was chosen (late-night, express).
    slot: DeliverySlot | None = None
    #: How much more the items must come to for the zone's minimum order (0 once met).
    min_order_shortfall_paise: int = 0
    #: The coupon the cart holds, once it applies (None: none, or it does not apply: see problems).
    coupon: Coupon | None = None
    #: The coupon's discount on the items (shared out over the lines' discount_paise).
    discount_paise: int = 0
    #: The delivery fee a free-delivery coupon waived (delivery_fee_paise is then 0).
    delivery_fee_waived_paise: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def fees_paise(self) -> int:
        return self.delivery_fee_paise + self.small_cart_fee_paise + self.late_night_fee_paise + self.express_fee_paise

    @property
    def total_paise(self) -> int:
        return self.subtotal_paise - self.discount_paise + self.fees_paise

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.problems and all(line.orderable for line in self.lines)


def zone_for_pincode(pincode: str) -> Zone | None:
    entry = ZonePincode.objects.select_related("zone").filter(pincode=pincode, zone__is_active=True).first()
    return entry.zone if entry else None


def format_quantity(sku: Sku, quantity: int) -> str:
    """A quantity in the SKU's units: a count of packs, or grams as "750 g" / "6 kg" (as the catalog labels them)."""
    if sku.sold_by != "weight":
        return str(quantity)
    return grams_label(quantity)


def get_slot(slot_id: UUID) -> DeliverySlot | None:
    """The slot as delivery announced it; None if unknown here (not yet, or not a slot)."""
    return one_or_none(DeliverySlot.objects.filter(slot_id=slot_id))


def price_cart(
    cart: Cart, *, slot: DeliverySlot | None = None, notices: Mapping[UUID, str] | None = None
) -> PricedCart:
    """Price every line at the cart's store; flag what cannot be ordered, never drop it.
    The fees that depend on the delivery (late-night window, express) are priced for
    `slot`, once the customer has chosen one; an empty cart pays no fees. `notices` (by
    SKU) are told with their lines."""
    lines = list(cart.lines.all())
    sku_ids = [line.sku_id for line in lines]
    skus = {sku.sku_id: sku for sku in Sku.objects.filter(sku_id__in=sku_ids)}
    overrides: dict[UUID, int] = {}
    stock: dict[UUID, Availability] = {}
    if cart.store_id:
        overrides = dict(
            StorePrice.objects.filter(store_id=cart.store_id, sku_id__in=sku_ids).values_list("sku_id", "price_paise")
        )
        stock = {a.sku_id: a for a in Availability.objects.filter(store_id=cart.store_id, sku_id__in=sku_ids)}
    zone = one_or_none(Zone.objects.filter(zone_id=cart.zone_id)) if cart.zone_id else None
    priced = PricedCart(
        cart=cart,
        lines=[_price_line(line, skus.get(line.sku_id), overrides, stock, cart) for line in lines],
        zone=zone,
        slot=slot,
    )
    for line in priced.lines:
        if notices and line.line.sku_id in notices:
            line.notices.append(notices[line.line.sku_id])
        priced.subtotal_paise += line.line_total_paise
        priced.tax_paise += line.tax_paise
        priced.savings_paise += line.savings_paise
    if zone is None:
        priced.problems.append("Choose a delivery pincode we serve.")
    elif lines:
        _apply_fees(priced, zone.fee_policy, slot)
        if cart.coupon_code:
            apply_coupon(priced, customer_id=cart.customer_id)
        priced.tax_paise += fees_gst_paise(
            priced.delivery_fee_paise,
            priced.small_cart_fee_paise,
            priced.late_night_fee_paise,
            priced.express_fee_paise,
        )
    return priced


def _price_line(
    line: CartLine, sku: Sku | None, overrides: dict[UUID, int], stock: dict[UUID, Availability], cart: Cart
) -> PricedLine:
    priced = PricedLine(line=line, sku=sku)
    if sku is None:
        priced.problems.append("This item is no longer sold.")
        return priced
    priced.unit_price_paise = overrides.get(sku.sku_id, sku.price_paise)
    priced.line_total_paise = line_total_paise(
        sold_by=sku.sold_by, unit_price_paise=priced.unit_price_paise, quantity=line.quantity
    )
    priced.tax_paise = gst_included_paise(priced.line_total_paise, sku.gst_rate_bp)
    mrp_total = line_total_paise(sold_by=sku.sold_by, unit_price_paise=sku.mrp_paise, quantity=line.quantity)
    priced.savings_paise = max(0, mrp_total - priced.line_total_paise)
    if not sku.is_active:
        priced.problems.append("This item is no longer sold.")
    priced.max_quantity = sku.max_per_order
    if line.quantity > sku.max_per_order:
        priced.problems.append(f"At most {format_quantity(sku, sku.max_per_order)} per order.")
    if cart.store_id:
        level = stock.get(sku.sku_id)
        in_stock = 0 if level is None or not level.in_stock else max(0, level.available)
        priced.max_quantity = min(priced.max_quantity, in_stock)
        if in_stock == 0:
            priced.problems.append("Out of stock at your store.")
        elif in_stock < line.quantity:
            priced.problems.append(f"Only {format_quantity(sku, in_stock)} left at your store.")
    return priced


def _in_window(now: time, start: time, end: time) -> bool:
    return start <= now < end if start <= end else now >= start or now < end  # windows may cross midnight


def _apply_fees(priced: PricedCart, policy: dict[str, Any], slot: DeliverySlot | None) -> None:
    subtotal = priced.subtotal_paise
    if subtotal < policy["min_order_value_paise"]:
        priced.min_order_shortfall_paise = policy["min_order_value_paise"] - subtotal
        priced.problems.append(
            f"Add {format_inr(priced.min_order_shortfall_paise)} more to order "
            f"(the minimum order here is {format_inr(policy['min_order_value_paise'])})."
        )
    tiers = sorted(policy.get("fee_tiers", []), key=lambda tier: tier["min_cart_value_paise"])
    priced.delivery_fee_paise = next(
        (tier["fee_paise"] for tier in reversed(tiers) if subtotal >= tier["min_cart_value_paise"]), 0
    )
    if subtotal < policy.get("small_cart_threshold_paise", 0):
        priced.small_cart_fee_paise = policy.get("small_cart_fee_paise", 0)
    if slot is None:
        return
    start, end = policy.get("late_night_start"), policy.get("late_night_end")
    if start and end:
        delivered_from = timezone.localtime(slot.starts_at).time()
        if _in_window(delivered_from, time.fromisoformat(start), time.fromisoformat(end)):
            priced.late_night_fee_paise = policy.get("late_night_fee_paise", 0)
    if slot.mode == "express":
        priced.express_fee_paise = policy.get("express_fee_paise", 0)
