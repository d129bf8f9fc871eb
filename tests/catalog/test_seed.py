"""seed_demo_catalog: a realistic catalogue, published, and idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Category, Product, Sku, TaxClass

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_is_big_enough_published_and_seeded_once() -> None:
    call_command("seed_demo_catalog", "--no-images", verbosity=0, stdout=StringIO())

    assert Sku.objects.count() >= 300
    assert Category.objects.filter(products__isnull=False).distinct().count() >= 12
    assert set(Product.objects.values_list("status", flat=True)) == {"published"}
    loose = Sku.objects.filter(sold_by="weight", product__category__path__startswith="fruits-vegetables")
    assert loose.count() >= 40
    assert TaxClass.objects.get(code="food-18-5").rates.count() == 2  # the 22 Sep 2025 change
    counts = (Product.objects.count(), Sku.objects.count())

    out = StringIO()
    call_command("seed_demo_catalog", "--if-empty", verbosity=0, stdout=out)
    assert out.getvalue().strip() == "Catalogue already has products; nothing to do."
    call_command("seed_demo_catalog", "--no-images", verbosity=0, stdout=StringIO())
    assert (Product.objects.count(), Sku.objects.count()) == counts
