"""Staff write through the admin; every save goes through the services (events, history)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.admin.models import CHANGE
from django.test import Client

from catalog import services
from catalog.events import PriceChanged, ProductPublished, ProductUpdated
from catalog.models import PriceHistory, Product, Sku, StorePrice
from shop.accounts.models import User
from shop.eventbus.testing import captured_events
from tests.history import admin_history

from .factories import CategoryFactory, TaxClassFactory, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("staff@example.in", "a-long-password-1")


@pytest.fixture
def admin_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def test_the_product_pages_render(admin_client: Client) -> None:
    product = make_product(title="Amul Butter")
    sku = product.skus.get()
    assert admin_client.get("/admin/catalog/product/").status_code == 200
    assert admin_client.get("/admin/catalog/product/?q=butter&status__exact=published").status_code == 200
    services.set_base_price(sku=sku, price_paise=4500)
    product_page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    assert product_page.status_code == 200
    assert f"{sku.code} &middot; all stores &middot; ₹45.00 (MRP ₹60.00)".encode() in product_page.content
    assert b'name="skus-0-price_paise" value="45"' in product_page.content  # staff read rupees
    page = admin_client.get(f"/admin/catalog/sku/{sku.pk}/change/")
    assert page.status_code == 200
    assert b"Price history" in page.content
    assert "Price (₹)".encode() in page.content
    assert b'name="price_paise" value="45"' in page.content
    assert "₹45.00".encode() in admin_client.get("/admin/catalog/sku/").content


def test_adding_a_product_with_a_sku_in_the_admin_goes_through_the_services(admin_client: Client, staff: User) -> None:
    category, tax_class = CategoryFactory(), TaxClassFactory()
    data = {
        "title": "Tata Salt", "slug": "tata-salt", "category": str(category.pk), "brand": "", "description": "",
        "tags": "namak", "diet": "veg", "hsn_code": "2501", "tax_class": str(tax_class.pk), "shelf_life_days": "",
        "min_life_on_delivery_days": "0", "storage": "ambient",
        **management("skus", total=1), **management("images"),
        "skus-0-code": "TATA-SALT-1KG", "skus-0-sold_by": "unit", "skus-0-pack_size": "1", "skus-0-pack_unit": "kg",
        "skus-0-price_paise": "28", "skus-0-mrp_paise": "30.00", "skus-0-max_per_order": "5",
        "skus-0-is_active": "on", "skus-0-position": "0",
    }  # fmt: skip
    response = admin_client.post("/admin/catalog/product/add/", data)

    assert response.status_code == 302, response.content[:2000]
    product = Product.objects.get(slug="tata-salt")
    assert (product.status, product.search_text) == ("draft", "tata salt namak")
    sku = Sku.objects.get(code="TATA-SALT-1KG")
    assert (sku.product_id, sku.price_paise, sku.pack_label) == (product.pk, 2800, "1 kg")
    assert list(PriceHistory.objects.values_list("price_paise", "changed_by_id")) == [(2800, staff.id)]


def test_bulk_publish_and_unpublish(admin_client: Client) -> None:
    first, second = make_product(title="Poha", publish=False), make_product(title="Upma Rava", publish=False)
    ids = [str(first.pk), str(second.pk)]
    with captured_events() as published:
        admin_client.post("/admin/catalog/product/", {"action": "publish", "_selected_action": ids})
    assert sorted(e.title for e in published if isinstance(e, ProductPublished)) == ["Poha", "Upma Rava"]
    assert set(Product.objects.values_list("status", flat=True)) == {"published"}

    with captured_events() as published:
        admin_client.post("/admin/catalog/product/", {"action": "unpublish", "_selected_action": ids})
    assert [type(e) for e in published] == [ProductUpdated, ProductUpdated]
    assert set(Product.objects.values_list("status", flat=True)) == {"draft"}
    assert [entry[1:] for entry in admin_history(first)] == [(CHANGE, "Published the product"),
                                                             (CHANGE, "Unpublished the product")]  # fmt: skip


def test_a_price_change_and_a_store_price_in_the_sku_admin(admin_client: Client, staff: User) -> None:
    store_id = uuid.uuid4()
    services.record_store(store_id=store_id, code="PUN-1", title="Kothrud", city="Pune", pincode="411038",
                          is_open=True)  # fmt: skip
    sku = make_product(title="Parle-G", skus=[{"code": "PARLEG", "price_paise": 1000, "mrp_paise": 1000}]).skus.get()
    data = {
        "code": "PARLEG", "sold_by": "unit", "pack_size": "1", "pack_unit": "pcs", "price_paise": "9",
        "mrp_paise": "10", "max_per_order": "10", "is_active": "on", "position": "0",
        **management("store_prices", total=1), **management("price_history", total=0, initial=1),
        "store_prices-0-store_id": str(store_id), "store_prices-0-price_paise": "8.50",
        "store_prices-0-sku": str(sku.pk),
    }  # fmt: skip
    with captured_events() as published:
        response = admin_client.post(f"/admin/catalog/sku/{sku.pk}/change/", data)

    assert response.status_code == 302, response.content[:3000]
    assert [e for e in published if isinstance(e, PriceChanged)] == [
        PriceChanged(sku_id=sku.id, product_id=sku.product_id, store_id=None, price_paise=900, mrp_paise=1000),
        PriceChanged(sku_id=sku.id, product_id=sku.product_id, store_id=store_id, price_paise=850, mrp_paise=1000),
    ]
    assert StorePrice.objects.get().price_paise == 850
    assert PriceHistory.objects.filter(changed_by_id=staff.id).count() == 2


def test_a_tax_class_and_its_next_rate_are_added_in_the_admin(admin_client: Client) -> None:
    data = {"code": "biscuits", "name": "Biscuits", **management("rates", total=1),
            "rates-0-rate_bp": "1800", "rates-0-effective_from": "2017-07-01"}  # fmt: skip
    assert admin_client.post("/admin/catalog/taxclass/add/", data).status_code == 302
    from catalog.models import TaxClass

    tax_class = TaxClass.objects.get(code="biscuits")
    data = {"name": "Biscuits and cookies", **management("rates", total=1, initial=0),
            "rates-0-rate_bp": "500", "rates-0-effective_from": "2025-09-22"}  # fmt: skip
    assert admin_client.post(f"/admin/catalog/taxclass/{tax_class.pk}/change/", data).status_code == 302
    tax_class.refresh_from_db()
    assert tax_class.name == "Biscuits and cookies"
    assert list(tax_class.rates.values_list("rate_bp", "effective_from")) == [
        (500, dt.date(2025, 9, 22)),
        (1800, dt.date(2017, 7, 1)),
    ]
    assert admin_client.get("/admin/catalog/taxclass/").status_code == 200
    assert admin_client.get("/admin/catalog/category/").status_code == 200
