"""GST as data: the rate in force on a date, so past orders keep their day's rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.events import ProductUpdated
from catalog.selectors.tax import gst_rate_on, gst_rates_on
from shop.eventbus.testing import captured_events

from .factories import TaxClassFactory, make_product

pytestmark = pytest.mark.django_db

GST_2_0 = dt.date(2025, 9, 22)  # the 22 Sep 2025 rate change


def test_the_rate_in_force_follows_the_effective_dates() -> None:
    biscuits = services.create_tax_class(
        code="biscuits", name="Biscuits", rate_bp=1800, effective_from=dt.date(2017, 7, 1)
    )
    services.add_tax_rate(tax_class=biscuits, rate_bp=500, effective_from=GST_2_0)

    assert gst_rate_on(tax_class_id=biscuits.id, on=dt.date(2017, 6, 30)) is None
    assert gst_rate_on(tax_class_id=biscuits.id, on=dt.date(2017, 7, 1)) == 1800
    assert gst_rate_on(tax_class_id=biscuits.id, on=dt.date(2025, 9, 21)) == 1800
    assert gst_rate_on(tax_class_id=biscuits.id, on=GST_2_0) == 500
    assert gst_rate_on(tax_class_id=biscuits.id, on=dt.date(2030, 1, 1)) == 500


def test_rates_of_several_classes_in_one_query(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    paneer = services.create_tax_class(code="paneer", name="Paneer", rate_bp=500, effective_from=dt.date(2017, 7, 1))
    services.add_tax_rate(tax_class=paneer, rate_bp=0, effective_from=GST_2_0)
    fresh = services.create_tax_class(code="fresh", name="Fresh produce", rate_bp=0, effective_from=dt.date(2017, 7, 1))

    with django_assert_num_queries(1):
        before = gst_rates_on(tax_class_ids=[paneer.id, fresh.id], on=dt.date(2025, 9, 1))
    assert before == {paneer.id: 500, fresh.id: 0}
    assert gst_rates_on(tax_class_ids=[paneer.id, fresh.id], on=GST_2_0) == {paneer.id: 0, fresh.id: 0}


def test_two_rates_from_the_same_day_are_refused() -> None:
    ghee = services.create_tax_class(code="ghee", name="Ghee", rate_bp=1200, effective_from=dt.date(2017, 7, 1))
    with pytest.raises(ValidationError) as error:
        services.add_tax_rate(tax_class=ghee, rate_bp=500, effective_from=dt.date(2017, 7, 1))
    assert list(error.value.message_dict) == ["effective_from"]
    assert ghee.rates.count() == 1


def test_a_rate_out_of_range_is_refused() -> None:
    tax_class = TaxClassFactory()
    with pytest.raises(ValidationError):
        services.add_tax_rate(tax_class=tax_class, rate_bp=10_001, effective_from=dt.date(2030, 1, 1))


def test_a_rate_in_force_now_re_announces_its_products_and_a_future_one_waits() -> None:
    tax_class = TaxClassFactory()
    product = make_product(title="Ghee", tax_class=tax_class)

    with captured_events() as future:
        services.add_tax_rate(tax_class=tax_class, rate_bp=1800, effective_from=dt.date(2099, 1, 1))
    assert future == []

    with captured_events() as now:
        services.add_tax_rate(tax_class=tax_class, rate_bp=1200, effective_from=dt.date(2025, 1, 1))
    assert [type(e) for e in now] == [ProductUpdated]
    assert now[0].product_id == product.id  # type: ignore[attr-defined]
    assert now[0].skus[0].gst_rate_bp == 1200  # type: ignore[attr-defined]


def test_a_scheduled_rate_is_announced_once_on_its_first_day() -> None:
    tax_class = TaxClassFactory()
    product = make_product(title="Namkeen", tax_class=tax_class)
    services.add_tax_rate(tax_class=tax_class, rate_bp=1200, effective_from=dt.date(2099, 9, 22))

    assert services.announce_rates_taking_effect(on=dt.date(2099, 9, 21)) == 0
    with captured_events() as published:
        # The snapshot carries the rate in force today, so the check runs "on" the day itself.
        assert services.announce_rates_taking_effect(on=dt.date(2099, 9, 22)) == 1
        assert services.announce_rates_taking_effect(on=dt.date(2099, 9, 23)) == 0
    assert [(type(e), e.product_id) for e in published] == [(ProductUpdated, product.id)]  # type: ignore[attr-defined]
