"""Search forgives typos and ranks the product meant first; filters and sorts narrow and order."""

from __future__ import annotations

import uuid

import pytest

from catalog import services
from catalog.models import Category
from catalog.selectors.listing import ProductFilters, list_products

from .factories import BrandFactory, CategoryFactory, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf() -> dict[str, Category]:
    """A small grocery: vegetables, dairy, snacks, with look-alike names to tempt a weak search."""
    fruits_veg = CategoryFactory(name="Fruits & Vegetables", slug="fruits-vegetables")
    vegetables = CategoryFactory(name="Fresh Vegetables", slug="fresh-vegetables", parent=fruits_veg)
    dairy = CategoryFactory(name="Dairy", slug="dairy")
    snacks = CategoryFactory(name="Snacks", slug="snacks")
    amul, kissan = BrandFactory(name="Amul"), BrandFactory(name="Kissan")
    make_product(title="Potato", category=vegetables, skus=[{"price_paise": 3000, "mrp_paise": 3500}])
    make_product(title="Tomato Hybrid", category=vegetables, skus=[{"price_paise": 4000, "mrp_paise": 5000}])
    make_product(title="Kissan Tomato Ketchup", category=snacks, brand=kissan, tags="sauce")
    make_product(title="Amul Fresh Paneer", category=dairy, brand=amul, tags="cottage cheese",
                 skus=[{"price_paise": 9000, "mrp_paise": 9500}])  # fmt: skip
    make_product(title="Amul Butter", category=dairy, brand=amul, skus=[{"price_paise": 5600, "mrp_paise": 5600}])
    make_product(title="Pan Masala Mouth Freshener", category=snacks, diet="na")
    make_product(title="Banana Robusta", category=fruits_veg, is_vegan=True, is_organic=True)
    staples = CategoryFactory(name="Atta & Flours", slug="atta-flours")
    noodles = CategoryFactory(name="Noodles & Pasta", slug="noodles-pasta")
    make_product(title="Yippee Atta Noodles", category=noodles, tags="instant")
    make_product(title="Aashirvaad Whole Wheat Atta", category=staples, tags="flour, gehun")
    return {"fruits_veg": fruits_veg, "vegetables": vegetables, "dairy": dairy, "snacks": snacks}


def titles(**filters: object) -> list[str]:
    return [p.title for p in list_products(ProductFilters(**filters))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("tomatoe", "Tomato Hybrid"),
        ("panner", "Amul Fresh Paneer"),
        ("paneer", "Amul Fresh Paneer"),
        ("amul", "Amul Butter"),
        ("cottage cheese", "Amul Fresh Paneer"),
        ("banan", "Banana Robusta"),
        ("atta", "Aashirvaad Whole Wheat Atta"),  # the atta itself, before noodles made with it
        ("noodles", "Yippee Atta Noodles"),
    ],
)
def test_a_query_finds_the_product_meant_first(shelf: dict[str, Category], query: str, first: str) -> None:
    assert titles(q=query)[0] == first


def test_a_misspelt_query_does_not_drag_in_unrelated_products(shelf: dict[str, Category]) -> None:
    # "pan" is as close to "panner" as "paneer" is, by trigrams; it may follow, never lead.
    assert titles(q="panner") == ["Amul Fresh Paneer", "Pan Masala Mouth Freshener"]
    assert titles(q="tomatoe") == ["Tomato Hybrid", "Kissan Tomato Ketchup"]


def test_search_covers_brand_and_category_words(shelf: dict[str, Category]) -> None:
    assert titles(q="kissan") == ["Kissan Tomato Ketchup"]
    assert set(titles(q="vegetables")) == {"Potato", "Tomato Hybrid", "Banana Robusta"}


def test_a_category_filter_includes_its_descendants(shelf: dict[str, Category]) -> None:
    assert titles(category=shelf["fruits_veg"]) == ["Banana Robusta", "Potato", "Tomato Hybrid"]
    assert titles(category=shelf["vegetables"]) == ["Potato", "Tomato Hybrid"]


def test_brand_diet_and_price_filters(shelf: dict[str, Category]) -> None:
    amul = BrandFactory(name="Amul")
    assert titles(brand=amul) == ["Amul Butter", "Amul Fresh Paneer"]
    assert titles(diet="vegan") == ["Banana Robusta"]
    assert titles(diet="organic") == ["Banana Robusta"]
    assert "Pan Masala Mouth Freshener" not in titles(diet="veg")
    assert titles(price_min=5500, price_max=9000) == ["Amul Butter", "Amul Fresh Paneer"]
    assert titles(price_max=4000) == ["Potato", "Tomato Hybrid"]


def test_sorts_by_price_and_newest(shelf: dict[str, Category]) -> None:
    assert titles(category=shelf["dairy"], sort="price") == ["Amul Butter", "Amul Fresh Paneer"]
    assert titles(category=shelf["dairy"], sort="-price") == ["Amul Fresh Paneer", "Amul Butter"]
    assert titles(category=shelf["dairy"], sort="newest") == ["Amul Butter", "Amul Fresh Paneer"]


def test_a_store_price_counts_for_the_store_s_price_filter_and_sort(shelf: dict[str, Category]) -> None:
    store_id = uuid.uuid4()
    paneer = list_products(ProductFilters(q="paneer"))[0].skus.get()
    assert paneer.product.title == "Amul Fresh Paneer"
    services.set_store_price(sku=paneer, store_id=store_id, price_paise=5000)

    assert titles(category=shelf["dairy"], store_id=store_id, sort="price") == ["Amul Fresh Paneer", "Amul Butter"]
    assert titles(price_max=5000, category=shelf["dairy"], store_id=store_id) == ["Amul Fresh Paneer"]
    assert titles(price_max=5000, category=shelf["dairy"]) == []
    (listed, _) = list_products(ProductFilters(category=shelf["dairy"], store_id=store_id, sort="price"))
    assert [(s.price_paise, s.effective_price) for s in listed.sellable] == [(9000, 5000)]  # type: ignore[attr-defined]


def test_in_stock_filters_by_the_store_s_availability(shelf: dict[str, Category]) -> None:
    here, there = uuid.uuid4(), uuid.uuid4()
    butter = list_products(ProductFilters(q="butter"))[0].skus.get()
    potato = list_products(ProductFilters(q="potato"))[0].skus.get()
    services.record_stock_level(store_id=here, sku_id=butter.id, available=12, in_stock=True)
    services.record_stock_level(store_id=there, sku_id=potato.id, available=5000, in_stock=True)

    assert titles(in_stock=True, store_id=here) == ["Amul Butter"]
    assert titles(in_stock=True) == ["Amul Butter", "Potato"]
    assert "Amul Butter" not in titles(in_stock=False, store_id=here)


def test_unpublished_and_discontinued_products_are_not_listed(shelf: dict[str, Category]) -> None:
    butter = list_products(ProductFilters(q="butter"))[0]
    services.unpublish_product(product=butter)
    services.discontinue_product(product=list_products(ProductFilters(q="potato"))[0])
    make_product(title="Draft Butter Milk", category=shelf["dairy"], publish=False)
    assert titles(category=shelf["dairy"]) == ["Amul Fresh Paneer"]


EMBEDDED_SEARCH = """
from catalog.models import Product
from catalog.selectors.search import search_products
from tests.catalog.factories import CategoryFactory, make_product

dals = CategoryFactory(name="Dals & Pulses", slug="dals-pulses")
bath = CategoryFactory(name="Bath & Body", slug="bath-body")
make_product(title="Mysore Sandal Soap", category=bath)
make_product(title="Rajma Chitra", category=dals)
make_product(title="Tata Sampann Toor Dal", category=dals)
make_product(title="Lay's Khatta Meetha", category=bath)
found = search_products(Product.objects.all(), "dal").order_by("-relevance", "title")
print("RESULT", [p.title for p in found])
print("ATTA", [p.title for p in search_products(Product.objects.all(), "atta")])
"""


def test_the_embedded_search_matches_words_not_letters_inside_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.embedded import run_embedded

    result = run_embedded(EMBEDDED_SEARCH, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in result.stdout.splitlines() if " " in line}
    assert lines["RESULT"] == "['Tata Sampann Toor Dal', 'Rajma Chitra']"  # the dal, then its aisle; no soap
    assert lines["ATTA"] == "[]"  # "khatta" is not atta
