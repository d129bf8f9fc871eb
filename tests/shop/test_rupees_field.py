"""Staff type and read rupees; the services get paise (shop.adminkit.RupeesField)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from shop.adminkit import RupeesField
from shop.money import rupees_text


class PriceForm(forms.Form):
    price = RupeesField()
    refund = RupeesField(min_rupees=Decimal("1.00"), required=False)


@pytest.mark.parametrize(
    ("typed", "paise"), [("45", 4500), ("412.50", 41250), ("0.05", 5), ("₹1,00,000", 10000000), ("12 rupees", None)]
)
def test_rupees_typed_are_paise_cleaned(typed: str, paise: int | None) -> None:
    form = PriceForm({"price": typed})
    if paise is None:
        assert not form.is_valid()
        assert form.errors["price"] == ["Enter a number."]
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"price": paise, "refund": None}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"price": "10.005"}, "Ensure that there are no more than 2 decimal places."),
        ({"price": "-1"}, "Ensure this value is greater than or equal to 0.00."),
        ({"price": "10000000.01"}, "Ensure this value is less than or equal to 10000000.00."),
        ({"price": "5", "refund": "0.50"}, "Ensure this value is greater than or equal to 1.00."),
    ],
)
def test_amounts_staff_cannot_mean_are_refused_with_a_reason(data: dict[str, str], error: str) -> None:
    form = PriceForm(data)
    assert not form.is_valid()
    assert error in [message for messages in form.errors.values() for message in messages]


def test_an_amount_in_paise_is_shown_in_rupees_and_unchanged_when_sent_back() -> None:
    form = PriceForm(initial={"price": 4500, "refund": 41250})
    html = form.as_p()
    assert 'name="price" value="45"' in html
    assert 'name="refund" value="412.50"' in html

    same = PriceForm({"price": "45.00", "refund": "412.5"}, initial={"price": 4500, "refund": 41250})
    assert same.is_valid()
    assert same.changed_data == []
    moved = PriceForm({"price": "45.01", "refund": ""}, initial={"price": 4500, "refund": 41250})
    assert moved.is_valid()
    assert moved.changed_data == ["price", "refund"]


def test_rupees_text_is_what_staff_would_type() -> None:
    assert [rupees_text(p) for p in (0, 5, 4500, 41250, 10000000)] == ["0", "0.05", "45", "412.50", "100000"]
