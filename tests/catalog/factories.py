"""Factories for catalog tests; products go through the services so search fields and events are real."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog import services
from catalog.models import Brand, Category, Product, Sku, TaxClass, TaxRate


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.slug}" if o.parent else o.slug)


class BrandFactory(DjangoModelFactory[Brand]):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class TaxClassFactory(DjangoModelFactory[TaxClass]):
    class Meta:
        model = TaxClass
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"gst-{n}")
    name = factory.Sequence(lambda n: f"GST class {n}")
    rate = factory.RelatedFactory(
        "tests.catalog.factories.TaxRateFactory", factory_related_name="tax_class", rate_bp=500
    )


class TaxRateFactory(DjangoModelFactory[TaxRate]):
    class Meta:
        model = TaxRate

    tax_class = factory.SubFactory(TaxClassFactory, rate=None)
    rate_bp = 500
    effective_from = dt.date(2017, 7, 1)
    announced_at = factory.LazyFunction(timezone.now)


def make_product(
    *,
    title: str,
    category: Category | None = None,
    brand: Brand | None = None,
    tax_class: TaxClass | None = None,
    skus: list[dict[str, Any]] | None = None,
    publish: bool = True,
    **fields: Any,
) -> Product:
    """A product with its SKUs (one 1-pack SKU at 5000 paise by default), published unless told not to."""
    product = services.create_product(
        title=title,
        category=category or CategoryFactory(),
        brand=brand,
        tax_class=tax_class or TaxClassFactory(),
        hsn_code=fields.pop("hsn_code", "0401"),
        **fields,
    )
    for n, sku in enumerate(skus or [{}]):
        make_sku(product=product, position=n, **sku)
    if publish:
        services.publish_product(product=product)
    product.refresh_from_db()
    return product


_sku_counter = iter(range(1, 10**9))


def make_sku(*, product: Product, **fields: Any) -> Sku:
    defaults: dict[str, Any] = {
        "code": f"SKU{next(_sku_counter):06d}",
        "price_paise": 5000,
        "mrp_paise": 6000,
        "sold_by": "unit",
        "pack_size": 1,
        "pack_unit": "pcs",
    }
    defaults.update(fields)
    return services.create_sku(product=product, **defaults)
