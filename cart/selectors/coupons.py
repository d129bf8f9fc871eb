"""Coupons as pricing sees them: found with their uses counted, checked, their discount shared out."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Count, Q
from django.utils import timezone

from shop.money import div_half_up, format_inr, gst_included_paise

from ..models import Coupon

if TYPE_CHECKING:
    from .pricing import PricedCart


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
