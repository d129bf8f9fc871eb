"""Admin pages save as rendered; a service's refusal is an error on the page's form, and nothing of the save is left."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from catalog import services
from catalog.models import PriceHistory, Product, Sku, StorePrice
from shop.accounts.models import User
from shop.eventbus.models import Event as StoredEvent
from shop.money import rupees_text

from .browser import form_as_submitted
from .factories import make_product

pytestmark = pytest.mark.django_db

LAST_SKU = "This is the product's last active SKU: unpublish the product first."


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("staff@example.in", "a-long-password-1"))
    return client


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def sku_fields(sku: Sku, prefix: str = "") -> dict[str, str]:
    values = {
        "code": sku.code, "sold_by": sku.sold_by, "pack_size": str(sku.pack_size or ""), "pack_unit": sku.pack_unit,
        "step_g": str(sku.step_g or ""), "estimated_weight_g": str(sku.estimated_weight_g or ""),
        "price_paise": rupees_text(sku.price_paise), "mrp_paise": rupees_text(sku.mrp_paise),
        "max_per_order": str(sku.max_per_order), "position": str(sku.position),
    }  # fmt: skip
    if sku.is_active:
        values["is_active"] = "on"
    return {f"{prefix}{name}": value for name, value in values.items()}


def product_page_data(product: Product, **changes: str) -> dict[str, str]:
    skus = list(product.skus.order_by("position", "code"))
    data = {
        "title": product.title, "slug": product.slug, "category": str(product.category_id),
        "brand": str(product.brand_id or ""), "description": product.description, "tags": product.tags,
        "diet": product.diet, "hsn_code": product.hsn_code, "tax_class": str(product.tax_class_id),
        "shelf_life_days": str(product.shelf_life_days or ""),
        "min_life_on_delivery_days": str(product.min_life_on_delivery_days), "storage": product.storage,
        **management("skus", total=len(skus), initial=len(skus)), **management("images"),
    }  # fmt: skip
    for n, sku in enumerate(skus):
        data |= sku_fields(sku, prefix=f"skus-{n}-") | {
            f"skus-{n}-id": str(sku.pk),
            f"skus-{n}-product": str(product.pk),
        }
    return data | changes


def sku_page_data(sku: Sku, store_prices: list[dict[str, str]] | None = None) -> dict[str, str]:
    rows = store_prices or []
    data = {
        **sku_fields(sku),
        **management("store_prices", total=len(rows)),
        **management("price_history", total=0, initial=sku.price_history.count()),
    }
    for n, row in enumerate(rows):
        data |= {f"store_prices-{n}-{name}": value for name, value in row.items()}
        data[f"store_prices-{n}-sku"] = str(sku.pk)
    return data


def inline_forms(response: Any, prefix: str) -> list[Any]:
    (formset,) = [f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix]
    return list(formset.forms)


def written() -> tuple[int, int, int]:
    return StoredEvent.objects.count(), PriceHistory.objects.count(), StorePrice.objects.count()


def test_unticking_the_last_active_sku_on_the_product_page_is_an_error_on_that_sku_and_nothing_is_saved(
    admin_client: Client,
) -> None:
    product = make_product(title="Amul Butter")
    before = written()
    data = product_page_data(product, title="Amul Butter 100 g")
    del data["skus-0-is_active"]

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 200
    assert inline_forms(response, "skus")[0].errors == {"is_active": [LAST_SKU]}
    product.refresh_from_db()
    assert (product.title, product.skus.get().is_active) == ("Amul Butter", True)  # the title was rolled back too
    assert written() == before


def test_unticking_the_last_active_sku_on_its_own_page_is_a_field_error(admin_client: Client) -> None:
    sku = make_product(title="Amul Butter").skus.get()
    before = written()
    data = sku_page_data(sku)
    del data["is_active"]

    response = admin_client.post(f"/admin/catalog/sku/{sku.pk}/change/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"is_active": [LAST_SKU]}
    assert Sku.objects.get(pk=sku.pk).is_active is True
    assert written() == before


def test_a_store_price_above_the_mrp_is_an_error_on_its_row_and_the_base_price_change_is_rolled_back(
    admin_client: Client,
) -> None:
    store_id = uuid.uuid4()
    services.record_store(store_id=store_id, code="PUN-1", title="Kothrud", city="Pune", pincode="411038",
                          is_open=True)  # fmt: skip
    sku = make_product(title="Parle-G", skus=[{"code": "PARLEG", "price_paise": 1000, "mrp_paise": 1000}]).skus.get()
    before = written()
    data = sku_page_data(sku, [{"store_id": str(store_id), "price_paise": "11"}]) | {"price_paise": "9"}

    response = admin_client.post(f"/admin/catalog/sku/{sku.pk}/change/", data)

    assert response.status_code == 200
    assert inline_forms(response, "store_prices")[0].errors == {
        "price_paise": ["The store price cannot be above the MRP (₹10.00)."]
    }
    assert Sku.objects.get(pk=sku.pk).price_paise == 1000
    assert written() == before


def test_a_refused_new_product_leaves_no_product_behind(admin_client: Client) -> None:
    product = make_product(title="Tata Salt", publish=False)
    before = (Product.objects.count(), *written())
    data = product_page_data(product, title="Tata Salt Lite", slug="tata-salt-lite") | {
        **management("skus", total=1), "skus-0-id": "", "skus-0-product": "",
    }  # fmt: skip
    data["skus-0-code"] = product.skus.get().code.lower()  # the service upper-cases it: taken

    response = admin_client.post("/admin/catalog/product/add/", data, content_type=MULTIPART_CONTENT)

    assert response.status_code == 200
    assert "code" in inline_forms(response, "skus")[0].errors
    assert (Product.objects.count(), *written()) == before
    assert not Product.objects.filter(slug="tata-salt-lite").exists()


def test_a_refusal_naming_a_field_the_form_lacks_is_shown_above_the_form_in_words() -> None:
    from django import forms
    from django.core.exceptions import ValidationError

    from catalog.admin.refusals import show_refusal

    class PriceForm(forms.Form):
        price_paise = forms.IntegerField()

    form = PriceForm({"price_paise": "900"})
    assert form.is_valid()
    show_refusal(form, ValidationError({"price_paise": ["Too high."], "is_active": ["Last one."]}))
    show_refusal(form, ValidationError("A discontinued product takes no new SKUs."))

    assert form.errors == {
        "price_paise": ["Too high."],
        "__all__": ["Is active: Last one.", "A discontinued product takes no new SKUs."],
    }


def _store(code: str) -> uuid.UUID:
    store_id = uuid.uuid4()
    services.record_store(store_id=store_id, code=code, title=code, city="Pune", pincode="411038", is_open=True)
    return store_id


def test_the_sku_page_saves_as_rendered_its_untouched_extra_store_price_row_ignored(
    admin_client: Client,
) -> None:
    _store("PUN-1")
    sku = make_product(title="Parle-G").skus.get()
    page = admin_client.get(f"/admin/catalog/sku/{sku.pk}/change/")
    data = form_as_submitted(page.content.decode(), "sku_form")
    assert (data["store_prices-TOTAL_FORMS"], data["store_prices-0-store_id"]) == ("1", "")
    before = written()

    response = admin_client.post(f"/admin/catalog/sku/{sku.pk}/change/", data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert written() == before


def test_a_store_price_row_is_added_and_changed_from_the_rendered_page(admin_client: Client) -> None:
    kothrud, aundh = _store("PUN-1"), _store("PUN-2")
    sku = make_product(title="Parle-G").skus.get()
    url = f"/admin/catalog/sku/{sku.pk}/change/"
    data = form_as_submitted(admin_client.get(url).content.decode(), "sku_form")
    data |= {"store_prices-0-store_id": str(kothrud), "store_prices-0-price_paise": "48"}
    assert admin_client.post(url, data).status_code == 302

    data = form_as_submitted(admin_client.get(url).content.decode(), "sku_form")
    assert "store_prices-0-store_id" not in data  # an existing row keeps its store
    data |= {"store_prices-0-store_id": str(aundh), "store_prices-0-price_paise": "47.00"}
    assert admin_client.post(url, data).status_code == 302

    assert list(StorePrice.objects.values_list("store_id", "price_paise")) == [(kothrud, 4700)]


def test_lowering_the_mrp_below_a_store_price_on_the_sku_page_is_an_error_on_the_mrp(admin_client: Client) -> None:
    sku = make_product(title="Parle-G", skus=[{"code": "PARLEG", "price_paise": 900, "mrp_paise": 1000}]).skus.get()
    services.set_store_price(sku=sku, store_id=_store("PUN-1"), price_paise=980)  # titled as its code
    url = f"/admin/catalog/sku/{sku.pk}/change/"
    data = form_as_submitted(admin_client.get(url).content.decode(), "sku_form") | {"mrp_paise": "9.50"}
    before = written()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "mrp_paise": [
            "The MRP cannot go below a store's price: PUN-1 PUN-1 at ₹9.80. Lower or remove those store prices first."
        ]
    }
    assert (Sku.objects.get(pk=sku.pk).mrp_paise, written()) == (1000, before)


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ({"price_paise": "11", "mrp_paise": "10"}, "The price cannot be above the MRP."),
        ({"price_paise": "0"}, "The price must be more than zero."),
        ({"max_per_order": "0"}, "Max per order must be at least one."),
    ],
)
def test_a_sku_form_breaking_a_check_constraint_says_so_in_words(
    admin_client: Client, prices: dict[str, str], message: str
) -> None:
    sku = make_product(title="Parle-G", skus=[{"code": "PARLEG", "price_paise": 900, "mrp_paise": 1000}]).skus.get()
    url = f"/admin/catalog/sku/{sku.pk}/change/"
    data = form_as_submitted(admin_client.get(url).content.decode(), "sku_form") | prices

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [message]
    assert "is violated" not in response.content.decode()
