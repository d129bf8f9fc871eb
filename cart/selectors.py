"""Pricing a cart from its own projections: lines, GST included, savings, fees, total."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from uuid import UUID

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from shop.db import one_or_none
from shop.money import div_half_up, fees_gst_paise, format_inr, grams_label, gst_included_paise, line_total_paise

from .models import Availability, Cart, CartLine, Coupon, DeliverySlot, Sku, StorePrice, Zone, ZonePincode


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


def find_coupon(code: str, *, customer_id: UUID | None, lock: bool = False) -> Coupon | None:
    """The coupon of `code` (any case), with `uses` (orders not cancelled) and `uses_by_customer`
    (the customer's) counted in the same query; `lock`: FOR UPDATE (checkout), so two
    checkouts using its last use count one after the other."""
    live = Q(redemptions__released_at__isnull=True)
    coupons = Coupon.objects.filter(code=code.strip().upper())
    # FOR UPDATE cannot go with an aggregate: lock the row, then count.
    if lock and not coupons.select_for_update().exists():
        return None
    return coupons.annotate(
        uses=Count("redemptions", filter=live),
        uses_by_customer=Count("redemptions", filter=live & Q(redemptions__customer_id=customer_id)),
    ).first()


def coupon_problem(
    coupon: Coupon | None, code: str, *, customer_id: UUID | None, subtotal_paise: int | None = None
) -> str | None:
    """Why the coupon cannot be used now (on items worth `subtotal_paise`, if given), or None
    if it can. (A visitor's per-customer uses are checked once they log in, at checkout at
    the latest.)"""
    if coupon is None or not coupon.is_active:
        return f"Coupon {code.strip().upper()} is not a valid code."
    problem = _coupon_limits_problem(coupon, customer_id=customer_id)
    if problem is None and subtotal_paise is not None and subtotal_paise < coupon.min_subtotal_paise:
        problem = (
            f"Add {format_inr(coupon.min_subtotal_paise - subtotal_paise)} more to use coupon {coupon.code} "
            f"(for orders of {format_inr(coupon.min_subtotal_paise)} or more)."
        )
    return problem


def _coupon_limits_problem(coupon: Coupon, *, customer_id: UUID | None) -> str | None:
    now = timezone.now()
    if now < coupon.valid_from:
        return f"Coupon {coupon.code} can be used from {timezone.localtime(coupon.valid_from):%d %b %Y, %H:%M}."
    if now >= coupon.valid_until:
        return f"Coupon {coupon.code} expired on {timezone.localtime(coupon.valid_until):%d %b %Y}."
    if coupon.total_limit and getattr(coupon, "uses", 0) >= coupon.total_limit:
        return f"Coupon {coupon.code} has been used up."
    used = getattr(coupon, "uses_by_customer", 0)
    if customer_id is not None and coupon.per_customer_limit and used >= coupon.per_customer_limit:
        times = "once" if coupon.per_customer_limit == 1 else f"{coupon.per_customer_limit} times"
        return f"You have already used coupon {coupon.code} ({times} per customer)."
    return None


def coupon_discount_paise(coupon: Coupon, subtotal_paise: int) -> int:
    """What the coupon takes off items worth `subtotal_paise` (never more than they cost)."""
    if coupon.kind == Coupon.Kind.PERCENT:
        off = div_half_up(subtotal_paise * coupon.percent_bp, 10_000)
        if coupon.max_discount_paise is not None:
            off = min(off, coupon.max_discount_paise)
        return min(off, subtotal_paise)
    if coupon.kind == Coupon.Kind.FLAT:
        return min(coupon.amount_paise, subtotal_paise)
    return 0


def share_out(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights`, in whole paise that add up exactly (largest
    remainder; ties to the earlier)."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares = [total * weight // whole for weight in weights]
    rest = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[:rest]:
        shares[i] += 1
    return shares


def apply_coupon(priced: PricedCart, *, customer_id: UUID | None) -> None:
    """Price the cart's coupon: a discount on the items shared out over the lines (their GST
    falls with it), or the delivery fee waived; a coupon that cannot be used now is a
    problem the customer sees (and checkout refuses), never dropped without a word."""
    code = priced.cart.coupon_code
    coupon = find_coupon(code, customer_id=customer_id)
    problem = coupon_problem(coupon, code, subtotal_paise=priced.subtotal_paise, customer_id=customer_id)
    if problem is not None or coupon is None:
        priced.problems.append(problem or f"Coupon {code} is not a valid code.")
        return
    priced.coupon = coupon
    if coupon.kind == Coupon.Kind.FREE_DELIVERY:
        priced.delivery_fee_waived_paise, priced.delivery_fee_paise = priced.delivery_fee_paise, 0
        return
    priced.discount_paise = coupon_discount_paise(coupon, priced.subtotal_paise)
    shares = share_out(priced.discount_paise, [line.line_total_paise for line in priced.lines])
    priced.tax_paise = 0
    for line, share in zip(priced.lines, shares, strict=True):
        line.discount_paise = share
        if line.sku is not None:
            line.tax_paise = gst_included_paise(line.line_total_paise - share, line.sku.gst_rate_bp)
        priced.tax_paise += line.tax_paise


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


@dataclass
class Replacements:
    """A cart's replacement options, by line SKU, priced at its store (`Sku.price_paise`
    carries the store's price): `offers`, what the picker would bring if the line is short;
    `choices`, the SKUs a customer may name instead (the product's other packs, sold the
    same way, in stock at the store, cheapest first)."""

    offers: dict[UUID, Sku] = field(default_factory=dict)
    choices: dict[UUID, list[Sku]] = field(default_factory=dict)


def replacement_offers(cart: Cart, lines: list[PricedLine]) -> dict[UUID, Sku]:
    """What the picker may put in each line's place if its SKU is short (see replacements())."""
    return replacements(cart, lines, with_choices=False).offers


def replacements(cart: Cart, lines: list[PricedLine], *, with_choices: bool = True) -> Replacements:
    """The offer for each line: the SKU the customer named ('specific'), or the best match:
    another pack of the same product, sold the same way, in stock at the store, nearest in
    price (then cheaper, then by name). Lines set to 'refund', and lines nothing fits, have
    none. `with_choices`: the other packs for every line too. One query for the cart."""
    known = [p for p in lines if p.sku is not None]
    wanted = [p for p in known if p.line.replacement != CartLine.Replacement.REFUND]
    named = {p.line.replacement_sku_id for p in wanted if p.line.replacement_sku_id is not None}
    siblings_of = known if with_choices else [p for p in wanted if p.line.replacement_sku_id is None]
    products = {p.sku.product_id for p in siblings_of if p.sku is not None}
    found = Replacements()
    if not cart.store_id or not (named or products):
        return found
    at_store = {"store_id": cart.store_id, "sku_id": OuterRef("sku_id")}
    candidates = list(
        Sku.objects.filter(Q(sku_id__in=named) | Q(product_id__in=products), is_active=True).annotate(
            store_price=Subquery(StorePrice.objects.filter(**at_store).values("price_paise")[:1]),
            available_here=Subquery(Availability.objects.filter(**at_store, in_stock=True).values("available")[:1]),
        )
    )
    for sku in candidates:
        if sku.store_price is not None:
            sku.price_paise = sku.store_price
    for priced in known:
        own = priced.sku
        assert own is not None
        packs = sorted(
            (
                s
                for s in candidates
                if s.product_id == own.product_id
                and s.sku_id != own.sku_id
                and s.sold_by == own.sold_by
                and (s.available_here or 0) > 0
            ),
            key=lambda s: (s.price_paise, s.name),
        )
        if with_choices:
            found.choices[own.sku_id] = list[Sku](packs)
        if priced.line.replacement == CartLine.Replacement.REFUND:
            continue
        if priced.line.replacement_sku_id is not None:
            fits = [s for s in candidates if s.sku_id == priced.line.replacement_sku_id and s.sold_by == own.sold_by]
        else:
            fits = sorted(packs, key=lambda s: (abs(s.price_paise - priced.unit_price_paise), s.price_paise, s.name))
        if fits:
            found.offers[own.sku_id] = fits[0]
    return found
