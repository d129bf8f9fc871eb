"""The cart's reads: pricing (pricing.py), coupons (coupons.py), replacement offers (replacements.py)."""

from .coupons import apply_coupon, coupon_discount_paise, coupon_problem, find_coupon, share_out
from .pricing import PricedCart, PricedLine, format_quantity, get_slot, price_cart, zone_for_pincode
from .replacements import Replacements, replacement_offers, replacements

__all__ = [
    "PricedCart",
    "PricedLine",
    "Replacements",
    "apply_coupon",
    "coupon_discount_paise",
    "coupon_problem",
    "find_coupon",
    "format_quantity",
    "get_slot",
    "price_cart",
    "replacement_offers",
    "replacements",
    "share_out",
    "zone_for_pincode",
]
