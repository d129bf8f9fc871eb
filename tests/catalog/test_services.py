"""Products, SKUs and prices: what the services write and the events they publish."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.events import PriceChanged, ProductDiscontinued, ProductPublished, ProductUpdated, SkuSnapshot
from catalog.models import PriceHistory, Product, Sku, StorePrice
from shop.eventbus.testing import captured_events

from .factories import BrandFactory, CategoryFactory, TaxClassFactory, make_product, make_sku

pytestmark = pytest.mark.django_db


def test_publishing_a_product_announces_every_sku_with_what_the_cart_needs() -> None:
    dairy = CategoryFactory(name="Dairy", slug="dairy")
    milk = CategoryFactory(name="Milk", slug="milk", parent=dairy)
    amul = BrandFactory(name="Amul")
    product = make_product(
        title="Amul Taaza Toned Milk", category=milk, brand=amul, publish=False, hsn_code="0401",
        shelf_life_days=3, min_life_on_delivery_days=1, storage="chilled",
        skus=[{"code": "AMUL-TZ-500", "pack_size": 500, "pack_unit": "ml", "price_paise": 2800, "mrp_paise": 2900,
               "max_per_order": 6}],
    )  # fmt: skip
    sku = product.skus.get()

    with captured_events() as published:
        services.publish_product(product=product)

    assert published == [
        ProductPublished(
            product_id=product.id,
            slug="amul-taaza-toned-milk",
            title="Amul Taaza Toned Milk",
            category_path=("Dairy", "Milk"),
            skus=(
                SkuSnapshot(
                    sku_id=sku.id, product_id=product.id, sku_code="AMUL-TZ-500", name="Amul Taaza Toned Milk 500 ml",
                    brand="Amul", sold_by="unit", base_unit="pcs", step=1, pack_label="500 ml", price_paise=2800,
                    mrp_paise=2900, estimated_weight_g=None, max_per_order=6, hsn_code="0401", gst_rate_bp=500,
                    shelf_life_days=3, min_life_on_delivery_days=1, storage="chilled", is_active=True, image_url="",
                ),
            ),
        )
    ]  # fmt: skip


def test_a_weight_sku_is_priced_per_kg_and_ordered_in_steps_of_grams() -> None:
    product = make_product(
        title="Tomato Hybrid",
        skus=[{"code": "TOM-KG", "sold_by": "weight", "pack_size": None, "pack_unit": "", "step_g": 250,
               "estimated_weight_g": 250, "price_paise": 4000, "mrp_paise": 5000, "max_per_order": 3000}],
        publish=False,
    )  # fmt: skip
    with captured_events() as published:
        services.publish_product(product=product)

    (snapshot,) = published[0].skus  # type: ignore[attr-defined]
    assert (snapshot.sold_by, snapshot.base_unit, snapshot.step, snapshot.pack_label) == ("weight", "g", 250, "250 g")
    assert (snapshot.price_paise, snapshot.estimated_weight_g, snapshot.max_per_order) == (4000, 250, 3000)


def test_a_draft_changes_silently_and_a_published_product_announces_each_change() -> None:
    draft = make_product(title="Draft Dal", publish=False)
    with captured_events() as published:
        services.update_product(product=draft, title="Toor Dal")
    assert published == []

    product = make_product(title="Sona Masoori Rice")
    with captured_events() as published:
        services.update_product(product=product, title="Sona Masoori Rice Premium", tags="chawal")
    assert [type(e) for e in published] == [ProductUpdated]
    assert published[0].title == "Sona Masoori Rice Premium"  # type: ignore[attr-defined]


def test_a_base_price_change_is_recorded_and_published() -> None:
    product = make_product(title="Aashirvaad Atta", skus=[{"code": "ATTA-5", "price_paise": 25000, "mrp_paise": 28000}])
    sku = product.skus.get()
    user_id = uuid.uuid4()

    with captured_events() as published:
        services.set_base_price(sku=sku, price_paise=24000, changed_by_id=user_id)

    assert published[0] == PriceChanged(
        sku_id=sku.id, product_id=product.id, store_id=None, price_paise=24000, mrp_paise=28000
    )
    assert [type(e) for e in published] == [PriceChanged, ProductUpdated]
    assert published[1].skus[0].price_paise == 24000  # type: ignore[attr-defined]
    history = list(PriceHistory.objects.filter(sku=sku).values_list("store_id", "price_paise", "changed_by_id"))
    assert history == [(None, 24000, user_id), (None, 25000, None)]


def test_a_price_above_the_mrp_is_refused_and_nothing_changes() -> None:
    product = make_product(title="Ghee", skus=[{"code": "GHEE-1", "price_paise": 50000, "mrp_paise": 60000}])
    sku = product.skus.get()
    with captured_events() as published, pytest.raises(ValidationError) as error:
        services.set_base_price(sku=sku, price_paise=61000)
    assert error.value.message_dict == {"price_paise": ["The selling price cannot be above the MRP."]}
    assert published == []
    assert Sku.objects.get(pk=sku.pk).price_paise == 50000
    assert PriceHistory.objects.filter(sku=sku).count() == 1


def test_a_store_price_overrides_the_base_price_and_its_removal_is_published() -> None:
    product = make_product(title="Maggi", skus=[{"code": "MAGGI-70", "price_paise": 1400, "mrp_paise": 1500}])
    sku = product.skus.get()
    store_id = uuid.uuid4()

    with captured_events() as published:
        services.set_store_price(sku=sku, store_id=store_id, price_paise=1300)
        services.set_store_price(sku=sku, store_id=store_id, price_paise=1300)  # the same price: no news
        services.remove_store_price(sku=sku, store_id=store_id)

    assert published == [
        PriceChanged(sku_id=sku.id, product_id=product.id, store_id=store_id, price_paise=1300, mrp_paise=1500),
        PriceChanged(sku_id=sku.id, product_id=product.id, store_id=store_id, price_paise=None, mrp_paise=1500),
    ]
    assert not StorePrice.objects.exists()
    assert list(PriceHistory.objects.filter(store_id=store_id).values_list("price_paise", flat=True)) == [None, 1300]


def test_a_store_price_above_the_mrp_is_refused() -> None:
    sku = make_product(title="Bread", skus=[{"code": "BREAD", "price_paise": 4000, "mrp_paise": 4500}]).skus.get()
    with captured_events() as published, pytest.raises(ValidationError):
        services.set_store_price(sku=sku, store_id=uuid.uuid4(), price_paise=4600)
    assert published == []
    assert not StorePrice.objects.exists()


def test_unpublishing_announces_the_skus_inactive_and_republishing_puts_them_back() -> None:
    product = make_product(title="Haldiram Bhujia")
    with captured_events() as published:
        services.unpublish_product(product=product)
        services.publish_product(product=product)
    assert [type(e) for e in published] == [ProductUpdated, ProductPublished]
    assert [e.skus[0].is_active for e in published] == [False, True]  # type: ignore[attr-defined]


def test_discontinuing_publishes_every_sku_and_is_final() -> None:
    product = make_product(title="Old Soap", skus=[{"code": "SOAP-1"}, {"code": "SOAP-3"}])
    sku_ids = tuple(product.skus.order_by("position").values_list("id", flat=True))
    with captured_events() as published:
        services.discontinue_product(product=product)
    assert published == [ProductDiscontinued(product_id=product.id, sku_ids=sku_ids)]

    with pytest.raises(services.IllegalTransition):
        services.publish_product(product=product)
    with pytest.raises(services.IllegalTransition):
        services.discontinue_product(product=product)
    assert Product.objects.get(pk=product.pk).status == "discontinued"


def test_a_product_without_an_active_sku_or_a_rate_in_force_cannot_be_published() -> None:
    empty = make_product(title="Nothing to sell", skus=[{"is_active": False}], publish=False)
    with pytest.raises(ValidationError, match="at least one active SKU"):
        services.publish_product(product=empty)

    future_only = TaxClassFactory(rate=None)
    services.add_tax_rate(tax_class=future_only, rate_bp=500, effective_from=dt.date(2099, 1, 1))
    untaxed = make_product(title="Taxed later", tax_class=future_only, publish=False)
    with pytest.raises(ValidationError, match="no GST rate in force"):
        services.publish_product(product=untaxed)


def test_a_pack_sku_needs_a_pack_size_and_a_weight_sku_its_step() -> None:
    product = make_product(title="Loose Onion", publish=False)
    with pytest.raises(ValidationError) as error:
        make_sku(product=product, code="ONION", sold_by="weight", pack_size=None, pack_unit="")
    assert error.value.message_dict == {"step_g": ["A weight SKU needs a step and an estimated weight in grams."]}
    with pytest.raises(ValidationError):
        make_sku(product=product, code="ONION-P", pack_size=None)
    assert product.skus.count() == 1


def test_the_last_active_sku_of_a_published_product_cannot_be_deactivated() -> None:
    product = make_product(title="Rava", skus=[{"code": "RAVA-500"}, {"code": "RAVA-1K"}])
    first, last = product.skus.order_by("position")
    services.update_sku(sku=first, is_active=False)
    with captured_events() as published, pytest.raises(ValidationError) as error:
        services.update_sku(sku=last, is_active=False)
    assert error.value.message_dict == {
        "is_active": ["This is the product's last active SKU: unpublish the product first."]
    }
    assert published == []
    assert Sku.objects.get(pk=last.pk).is_active is True


def test_an_hsn_code_is_four_to_eight_digits() -> None:
    with pytest.raises(ValidationError) as error:
        make_product(title="Mystery", hsn_code="04A1")
    assert error.value.message_dict == {"hsn_code": ["An HSN code is 4 to 8 digits."]}
    assert not Product.objects.exists()
