"""The SKU projection fed by the catalog's product events, and stores announcing themselves."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from catalog.events import ProductDiscontinued, ProductPublished, ProductUpdated
from inventory import services
from inventory.errors import InvalidStockRequest
from inventory.events import StockLevelChanged, StoreUpdated
from inventory.models import Sku, Stock, Store
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending

from .factories import sku_snapshot

pytestmark = pytest.mark.django_db


def _publish(event, key) -> None:
    with transaction.atomic():
        publish(event, key=key)
    deliver_pending()


def test_published_products_fill_the_sku_projection():
    product_id = uuid.uuid4()
    milk = sku_snapshot(product_id=product_id)
    rice = sku_snapshot(
        product_id=product_id,
        sku_code="RICE-LOOSE",
        sold_by="weight",
        base_unit="g",
        step=250,
        pack_label="250 g",
        min_life_on_delivery_days=0,
        shelf_life_days=None,
    )

    _publish(ProductPublished(product_id=product_id, slug="staples", title="Staples", skus=(milk, rice)), product_id)

    assert sorted(
        Sku.objects.values_list("sku_code", "base_unit", "step", "min_life_on_delivery_days", "is_active")
    ) == [
        ("MILK-500", "pcs", 1, 1, True),
        ("RICE-LOOSE", "g", 250, 0, True),
    ]


def test_an_update_that_changes_sellability_relevels_the_stock(store, today):
    product_id = uuid.uuid4()
    milk = sku_snapshot(product_id=product_id, min_life_on_delivery_days=0)
    _publish(ProductPublished(product_id=product_id, slug="milk", title="Milk", skus=(milk,)), product_id)
    from datetime import timedelta

    services.receive_stock(store_id=store.id, sku_id=milk.sku_id, quantity=6, expires_on=today + timedelta(days=1))
    stricter = milk.model_copy(update={"min_life_on_delivery_days": 2})

    with captured_events() as published:
        _publish(ProductUpdated(product_id=product_id, slug="milk", title="Milk", skus=(stricter,)), product_id)

    assert Stock.objects.get().available == 0
    assert StockLevelChanged(store_id=store.id, sku_id=milk.sku_id, available=0, in_stock=False) in published


def test_a_discontinued_product_stops_being_sellable(store):
    product_id = uuid.uuid4()
    milk = sku_snapshot(product_id=product_id)
    _publish(ProductPublished(product_id=product_id, slug="milk", title="Milk", skus=(milk,)), product_id)
    services.receive_stock(store_id=store.id, sku_id=milk.sku_id, quantity=6)

    _publish(ProductDiscontinued(product_id=product_id, sku_ids=(milk.sku_id,)), product_id)

    assert Sku.objects.get().is_active is False
    assert (Stock.objects.get().on_hand, Stock.objects.get().available) == (6, 0)


def test_creating_and_changing_a_store_publishes_its_full_state(db):
    with captured_events() as published:
        store = services.create_store(
            code="blr-hsr",
            title="HSR Layout",
            address="27th Main, HSR Layout",
            city="Bengaluru",
            pincode="560102",
            latitude=12.91,
            longitude=77.64,
        )
        services.update_store(store_id=store.id, is_open=False)

    expected = StoreUpdated(
        store_id=store.id,
        code="blr-hsr",
        title="HSR Layout",
        address="27th Main, HSR Layout",
        city="Bengaluru",
        pincode="560102",
        is_open=True,
        latitude=12.91,
        longitude=77.64,
    )
    assert published == [expected, expected.model_copy(update={"is_open": False})]


def test_a_bad_store_is_refused_and_not_written(db):
    with captured_events() as published, pytest.raises(InvalidStockRequest) as refused:
        services.create_store(code="blr-x", title="X", address="Somewhere", city="Bengaluru", pincode="060102")
    assert refused.value.fields == {"pincode": ["Enter a valid 6-digit Indian pincode (it cannot start with 0)."]}
    assert published == []
    assert not Store.objects.exists()
