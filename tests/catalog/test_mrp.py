"""Nothing sells above the MRP: lowering it under the base price or a store's price is refused."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import PriceHistory, Sku
from shop.eventbus.testing import captured_events

from .factories import make_product

pytestmark = pytest.mark.django_db


def _store(code: str, title: str) -> uuid.UUID:
    store_id = uuid.uuid4()
    services.record_store(store_id=store_id, code=code, title=title, city="Pune", pincode="411038", is_open=True)
    return store_id


def _sku() -> Sku:
    return make_product(title="Parle-G", skus=[{"code": "PARLEG", "price_paise": 900, "mrp_paise": 1000}]).skus.get()


def test_lowering_the_mrp_below_store_prices_is_refused_naming_the_stores_and_nothing_changes() -> None:
    sku = _sku()
    kothrud, aundh, baner = _store("PUN-1", "Kothrud"), _store("PUN-2", "Aundh"), _store("PUN-3", "Baner")
    services.set_store_price(sku=sku, store_id=kothrud, price_paise=980)
    services.set_store_price(sku=sku, store_id=aundh, price_paise=960)
    services.set_store_price(sku=sku, store_id=baner, price_paise=900)
    history = PriceHistory.objects.count()

    with captured_events() as published, pytest.raises(ValidationError) as refused:
        services.update_sku(sku=sku, mrp_paise=950)

    assert refused.value.message_dict == {
        "mrp_paise": [
            "The MRP cannot go below a store's price: PUN-1 Kothrud at ₹9.80, PUN-2 Aundh at ₹9.60. "
            "Lower or remove those store prices first."
        ]
    }
    assert (Sku.objects.get(pk=sku.pk).mrp_paise, PriceHistory.objects.count(), published) == (1000, history, [])


def test_lowering_the_mrp_below_the_base_price_is_refused_on_the_mrp() -> None:
    sku = _sku()

    with pytest.raises(ValidationError) as refused:
        services.set_base_price(sku=sku, price_paise=900, mrp_paise=850)

    assert refused.value.message_dict == {"mrp_paise": ["The MRP cannot go below the selling price (₹9.00)."]}
    assert Sku.objects.get(pk=sku.pk).mrp_paise == 1000


def test_the_mrp_may_go_down_to_the_highest_price_sold_at() -> None:
    sku = _sku()
    services.set_store_price(sku=sku, store_id=_store("PUN-1", "Kothrud"), price_paise=950)

    services.update_sku(sku=sku, mrp_paise=950)

    assert Sku.objects.get(pk=sku.pk).mrp_paise == 950
