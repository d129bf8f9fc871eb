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


@pytest.mark.parametrize(
    ("grams", "label"), [(250, "250 g"), (750, "750 g"), (1000, "1 kg"), (1500, "1.5 kg"), (1250, "1250 g")]
)
def test_grams_read_as_grams_or_kilograms(grams: int, label: str) -> None:
    from shop.money import grams_label

    assert grams_label(grams) == label


def test_rupees_typed_by_staff_become_paise_and_a_third_decimal_is_refused() -> None:
    from decimal import Decimal

    from shop.money import paise_from_rupees

    assert paise_from_rupees(Decimal("412.50")) == 41250
    assert paise_from_rupees(Decimal("1")) == 100
    with pytest.raises(ValueError, match="more than two decimals"):
        paise_from_rupees(Decimal("10.005"))
