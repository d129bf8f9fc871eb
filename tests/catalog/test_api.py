"""The public catalog API: listing, filters' errors, product page, category tree, the cache."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Category, Product

from .factories import BrandFactory, CategoryFactory, make_product

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog/products/"


@pytest.fixture
def dairy() -> Category:
    root = CategoryFactory(name="Dairy & Bakery", slug="dairy-bakery")
    return CategoryFactory(name="Milk", slug="milk", parent=root)


@pytest.fixture
def milk(dairy: Category) -> Product:
    return make_product(
        title="Amul Taaza Toned Milk", category=dairy, brand=BrandFactory(name="Amul"),
        skus=[{"code": "AMUL-500", "pack_size": 500, "pack_unit": "ml", "price_paise": 2700, "mrp_paise": 3000}],
    )  # fmt: skip


def test_the_listing_shows_products_with_their_skus(api_client: APIClient, milk: Product) -> None:
    response = api_client.get(URL)

    assert response.status_code == 200
    sku = milk.skus.get()
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": str(milk.id),
                "slug": "amul-taaza-toned-milk",
                "title": "Amul Taaza Toned Milk",
                "brand": {"name": "Amul", "slug": "amul"},
                "category": {"name": "Milk", "slug": "milk", "path": "dairy-bakery/milk"},
                "diet": "veg",
                "is_vegan": False,
                "is_organic": False,
                "image": {
                    "small": "/static/catalog/placeholder.svg",
                    "medium": "/static/catalog/placeholder.svg",
                    "large": "/static/catalog/placeholder.svg",
                    "alt": "Amul Taaza Toned Milk",
                },
                "skus": [
                    {
                        "id": str(sku.id), "code": "AMUL-500", "pack_label": "500 ml", "sold_by": "unit",
                        "base_unit": "pcs", "step": 1, "estimated_weight_g": None, "price_paise": 2700,
                        "mrp_paise": 3000, "discount_percent": 10, "step_price_paise": 2700, "approx": False,
                        "max_per_order": 10, "in_stock": False,
                    }
                ],
            }
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"price_min": "abc"}, "price_min"),
        ({"price_max": "-5"}, "price_max"),
        ({"category": "no-such-aisle"}, "category"),
        ({"brand": "nobody"}, "brand"),
        ({"diet": "carnivore"}, "diet"),
        ({"sort": "random"}, "sort"),
        ({"store": "not-a-uuid"}, "store"),
        ({"store": str(uuid.UUID(int=7))}, "store"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"price_min": "900", "price_max": "100"}, "price_max"),
    ],
)
def test_a_malformed_filter_answers_400_in_the_error_shape(
    api_client: APIClient, milk: Product, query: dict[str, str], field: str
) -> None:
    response = api_client.get(URL, query)

    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert list(body["error"]["fields"]) == [field]


def test_an_unknown_category_names_itself(api_client: APIClient, milk: Product) -> None:
    response = api_client.get(URL, {"category": "no-such-aisle"})
    assert response.json()["error"]["fields"] == {"category": ["Unknown category 'no-such-aisle'."]}


def test_the_listing_searches_and_filters_by_category_slug(api_client: APIClient, milk: Product) -> None:
    make_product(title="Britannia Bread", category=CategoryFactory(slug="bakery"))
    assert [p["title"] for p in api_client.get(URL, {"q": "tonned milk"}).json()["results"]] == [milk.title]
    assert [p["title"] for p in api_client.get(URL, {"category": "dairy-bakery"}).json()["results"]] == [milk.title]


def test_a_store_s_price_and_stock_show_with_store(api_client: APIClient, milk: Product) -> None:
    store_id = uuid.uuid4()
    services.record_store(store_id=store_id, code="BLR-1", title="Indiranagar", city="Bengaluru",
                          pincode="560038", is_open=True)  # fmt: skip
    sku = milk.skus.get()
    services.set_store_price(sku=sku, store_id=store_id, price_paise=2500)
    services.record_stock_level(store_id=store_id, sku_id=sku.id, available=40, in_stock=True)

    (listed,) = api_client.get(URL, {"store": str(store_id)}).json()["results"][0]["skus"]
    assert (listed["price_paise"], listed["in_stock"], listed["discount_percent"]) == (2500, True, 16)
    (base,) = api_client.get(URL).json()["results"][0]["skus"]
    assert base["price_paise"] == 2700


def test_the_product_page(api_client: APIClient, milk: Product) -> None:
    response = api_client.get(f"{URL}amul-taaza-toned-milk/")
    assert response.status_code == 200
    body = response.json()
    assert (body["hsn_code"], body["gst_rate_bp"], body["storage"], body["images"]) == ("0401", 500, "ambient", [])

    assert api_client.get(f"{URL}no-such-thing/").json() == {
        "error": {"code": "not_found", "message": "No product on sale with this slug.", "fields": {}}
    }
    services.unpublish_product(product=milk)
    assert api_client.get(f"{URL}amul-taaza-toned-milk/").status_code == 404


def test_the_category_tree(api_client: APIClient, dairy: Category) -> None:
    CategoryFactory(name="Atta", slug="atta")
    body = api_client.get("/api/v1/catalog/categories/").json()
    assert [(n["slug"], [c["slug"] for c in n["children"]]) for n in body] == [("atta", []), ("dairy-bakery", ["milk"])]


def test_the_listing_is_cached_and_a_price_change_retires_it_at_once(
    api_client: APIClient, milk: Product, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    first = api_client.get(URL)
    again = api_client.get(URL)
    assert (first["X-Cache"], again["X-Cache"]) == ("miss", "hit")
    assert again.content == first.content

    with django_capture_on_commit_callbacks(execute=True):
        services.set_base_price(sku=milk.skus.get(), price_paise=2600)

    after = api_client.get(URL)
    assert after["X-Cache"] == "miss"
    assert after.json()["results"][0]["skus"][0]["price_paise"] == 2600


def test_a_stock_change_retires_only_that_store_s_listings(
    api_client: APIClient, milk: Product, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    here, there = uuid.uuid4(), uuid.uuid4()
    for n, store_id in enumerate((here, there)):
        services.record_store(store_id=store_id, code=f"S{n}", title="Store", city="Pune", pincode="411001",
                              is_open=True)  # fmt: skip
    api_client.get(URL, {"store": str(here)})
    api_client.get(URL, {"store": str(there)})

    with django_capture_on_commit_callbacks(execute=True):
        services.record_stock_level(store_id=here, sku_id=milk.skus.get().id, available=3, in_stock=True)

    assert api_client.get(URL, {"store": str(here)})["X-Cache"] == "miss"
    assert api_client.get(URL, {"store": str(there)})["X-Cache"] == "hit"
    assert api_client.get(URL, {"store": str(here)}).json()["results"][0]["skus"][0]["in_stock"] is True


def test_searches_are_not_cached(api_client: APIClient, milk: Product) -> None:
    assert api_client.get(URL, {"q": "milk"})["X-Cache"] == "miss"
    assert api_client.get(URL, {"q": "milk"})["X-Cache"] == "miss"


def test_the_schema_documents_the_catalog_api(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/catalog/products/"]["get"]
    assert {"q", "category", "brand", "diet", "price_min", "price_max", "in_stock", "store", "sort", "page"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert "/api/v1/catalog/products/{slug}/" in schema["paths"]
    assert "/api/v1/catalog/categories/" in schema["paths"]


def test_a_version_bumped_by_another_process_retires_the_page_at_once(api_client: APIClient, milk: Product) -> None:
    from django.core.cache import cache

    from catalog.selectors.cache import CATALOG_VERSION_KEY

    assert [api_client.get(URL)["X-Cache"] for _ in range(2)] == ["miss", "hit"]
    # This process still guesses the old version; the guess is read with the real one and dropped.
    cache.set(CATALOG_VERSION_KEY, 10**15)
    assert [api_client.get(URL)["X-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_a_weight_sku_shows_its_price_per_kg_and_the_approximate_price_of_a_step(api_client: APIClient) -> None:
    make_product(
        title="Tomato Hybrid",
        skus=[{"code": "FV-TOM", "sold_by": "weight", "pack_size": None, "pack_unit": "", "step_g": 250,
               "estimated_weight_g": 250, "price_paise": 3999, "mrp_paise": 5000}],
    )  # fmt: skip
    (sku,) = api_client.get(URL).json()["results"][0]["skus"]
    shown = ("sold_by", "base_unit", "step", "pack_label", "price_paise", "step_price_paise", "approx")
    assert [sku[k] for k in shown] == ["weight", "g", 250, "250 g", 3999, 1000, True]


def test_pages_count_every_product_and_refuse_one_past_the_end(api_client: APIClient, dairy: Category) -> None:
    for n in range(5):
        make_product(title=f"Milk {n}", category=dairy)

    second = api_client.get(URL, {"page": 2, "page_size": 2}).json()
    assert (second["count"], [p["title"] for p in second["results"]]) == (5, ["Milk 2", "Milk 3"])
    assert second["next"].endswith("page=3&page_size=2")
    assert second["previous"].endswith("page_size=2")
    assert [p["title"] for p in api_client.get(URL, {"page": 3, "page_size": 2}).json()["results"]] == ["Milk 4"]
    assert api_client.get(URL, {"page": 4, "page_size": 2}).json()["error"]["code"] == "not_found"
    assert api_client.get(URL, {"page": "x"}).status_code == 404
    huge = api_client.get(URL, {"page": "99999999999999999999"})  # an offset past bigint: not a 500
    assert (huge.status_code, huge.json()["error"]["code"]) == (404, "not_found")
    assert api_client.get(URL, {"q": "nothing like it"}).json() == {
        "count": 0, "next": None, "previous": None, "results": []
    }  # fmt: skip
