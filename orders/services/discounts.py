"""A line's share of the coupon's discount on the part of it the customer keeps."""

from __future__ import annotations

from shop.money import div_half_up


def discount_share_paise(*, discount_paise: int, line_total_paise: int, kept_paise: int) -> int:
    """The line's discount on `kept_paise` of its (gross) price: discount x kept / line total,
    rounded half up; all of it when the whole line is kept, none when nothing is."""
    if discount_paise <= 0 or kept_paise <= 0 or line_total_paise <= 0:
        return 0
    kept = min(kept_paise, line_total_paise)
    return min(discount_paise, div_half_up(discount_paise * kept, line_total_paise))
