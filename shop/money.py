"""Money arithmetic shared by every app: integer paise, half-up rounding, GST included."""

from __future__ import annotations

from decimal import Decimal

GRAMS_PER_KG = 1000
BASIS_POINTS = 10_000
#: Delivery and other service fees are taxed as a service (SAC 996813) at 18 %, GST included.
SERVICE_FEE_SAC = "996813"
SERVICE_FEE_GST_BP = 1800


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def line_total_paise(*, sold_by: str, unit_price_paise: int, quantity: int) -> int:
    """Price of a line: packs x price per pack, or grams x price per kg (rounded to the paisa)."""
    if quantity < 0 or unit_price_paise < 0:
        raise ValueError("quantities and prices are never negative")
    if sold_by == "weight":
        return div_half_up(unit_price_paise * quantity, GRAMS_PER_KG)
    return unit_price_paise * quantity


def gst_included_paise(amount_paise: int, rate_bp: int) -> int:
    """The GST inside a GST-inclusive amount: amount x rate / (1 + rate)."""
    if amount_paise < 0:
        raise ValueError("amount must not be negative")
    return div_half_up(amount_paise * rate_bp, BASIS_POINTS + rate_bp)


def fees_gst_paise(*fees: int) -> int:
    """The GST inside service fees (18 %, GST included), fee by fee as an invoice lists them."""
    return sum(gst_included_paise(fee, SERVICE_FEE_GST_BP) for fee in fees if fee)


def format_inr(paise: int) -> str:
    """ "₹1,234.50" with Indian digit grouping (lakh, crore)."""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])
    return f"{sign}₹{digits}.{rest:02d}"


def grams_label(grams: int) -> str:
    """ "750 g", or "1.5 kg" from a kilo up in whole hundreds of grams."""
    return f"{grams / GRAMS_PER_KG:g} kg" if grams >= GRAMS_PER_KG and grams % 100 == 0 else f"{grams} g"


def rupees_text(paise: int) -> str:
    """Paise as staff type rupees into a form: "45", "412.50" (no sign, no grouping)."""
    rupees, rest = divmod(paise, 100)
    return f"{rupees}.{rest:02d}" if rest else str(rupees)


def paise_from_rupees(rupees: Decimal) -> int:
    """Rupees as staff type them (at most two decimals, e.g. 412.50) in paise."""
    paise = rupees * 100
    if paise != paise.to_integral_value():
        raise ValueError(f"{rupees} has more than two decimals")
    return int(paise)
