import pytest

from shop.money import format_inr, gst_included_paise, line_total_paise


@pytest.mark.parametrize(
    ("sold_by", "price", "quantity", "total"),
    [
        ("unit", 3000, 3, 9000),
        ("weight", 4000, 750, 3000),  # Rs 40/kg x 750 g
        ("weight", 3333, 250, 833),  # 833.25 -> 833
        ("weight", 3334, 250, 834),  # 833.5 -> 834 (half up)
        ("weight", 4000, 0, 0),
    ],
)
def test_line_totals_are_whole_paise(sold_by: str, price: int, quantity: int, total: int) -> None:
    assert line_total_paise(sold_by=sold_by, unit_price_paise=price, quantity=quantity) == total


@pytest.mark.parametrize(
    ("amount", "rate", "tax"), [(10500, 500, 500), (11800, 1800, 1800), (6000, 500, 286), (999, 0, 0)]
)
def test_gst_inside_an_inclusive_amount(amount: int, rate: int, tax: int) -> None:
    assert gst_included_paise(amount, rate) == tax


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        line_total_paise(sold_by="unit", unit_price_paise=-1, quantity=1)


@pytest.mark.parametrize(
    ("paise", "text"),
    [(0, "₹0.00"), (5, "₹0.05"), (123456, "₹1,234.56"), (12345678900, "₹12,34,56,789.00"), (-250, "-₹2.50")],
)
def test_inr_uses_indian_grouping(paise: int, text: str) -> None:
    assert format_inr(paise) == text
