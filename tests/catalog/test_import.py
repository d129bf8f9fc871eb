"""import_catalog: every row checked first; a bad file imports nothing and names every bad row."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog import services
from catalog.events import PriceChanged, ProductPublished, ProductUpdated
from catalog.models import Category, Product, Sku
from shop.eventbus.testing import captured_events

pytestmark = pytest.mark.django_db

HEADER = (
    "sku_code,product,brand,category,tax_class,hsn_code,sold_by,pack_size,pack_unit,step_g,estimated_weight_g,"
    "price_paise,mrp_paise,max_per_order,diet,storage,shelf_life_days,min_life_on_delivery_days,tags,publish"
)
MILK = "Amul Taaza Toned Milk,Amul,Dairy & Bakery > Milk,nil,0401,unit"
VEG = "Fruits & Vegetables > Fresh Vegetables,nil"
GOOD = [
    f"AMUL-TZ-500,{MILK},500,ml,,,2800,2900,6,veg,chilled,3,1,doodh,yes",
    f"AMUL-TZ-1L,{MILK},1,l,,,5400,5600,6,veg,chilled,3,1,doodh,yes",
    f"FV-TOM,Tomato Hybrid,,{VEG},0702,weight,,,250,250,4000,5000,3000,veg,chilled,5,2,,yes",
]  # fmt: skip
BAD = [
    "AMUL-B-100,Amul Butter,Amul,Dairy & Bakery > Butter,nil,0405,unit,100,g,,,abc,6000,,veg,chilled,,,,yes",
    ",No Code,,Staples,nil,1006,unit,1,kg,,,100,200,,,,,,,no",
    "GHEE-1,Cow Ghee,,Dairy & Bakery > Ghee,gst-99,04,unit,1,l,,,70000,65000,,veg,ambient,,,,maybe",
    "ONION,Onion,,Fruits & Vegetables > Fresh Vegetables,nil,0703,weight,,,,,3000,3500,,veg,,,,,yes",
    "AMUL-TZ-500,Amul Taaza Toned Milk,Amul,Dairy & Bakery > Milk,nil,0401,unit,500,ml,,,2800,2900,6,veg,,,,,yes",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _nil_rated() -> None:
    services.create_tax_class(code="nil", name="Nil rated", rate_bp=0, effective_from=dt.date(2017, 7, 1))


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_catalog", str(path), *args, verbosity=0, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_creates_categories_products_and_skus_and_publishes(tmp_path: Path) -> None:
    with captured_events() as published:
        out, err = run(write(tmp_path, *GOOD))

    assert out.strip() == "Imported 3 row(s): 3 SKU(s) created, 0 updated, 2 product(s) published."
    assert err == ""
    assert list(Category.objects.values_list("path", flat=True)) == [
        "dairy-bakery",
        "dairy-bakery/dairy-bakery-milk",
        "fruits-vegetables",
        "fruits-vegetables/fruits-vegetables-fresh-vegetables",
    ]
    milk = Product.objects.get(slug="amul-taaza-toned-milk")
    assert (milk.status, milk.brand.name, milk.storage) == ("published", "Amul", "chilled")  # type: ignore[union-attr]
    assert [s.pack_label for s in milk.skus.all()] == ["1 L", "500 ml"]
    tomato = Sku.objects.get(code="FV-TOM")
    assert (tomato.sold_by, tomato.step_g, tomato.price_paise) == ("weight", 250, 4000)
    assert [type(e) for e in published] == [ProductPublished, ProductPublished]


def test_a_bad_file_imports_nothing_and_names_every_bad_row(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD[0], *BAD)
    err = StringIO()
    with captured_events() as published, pytest.raises(CommandError, match="5 bad row"):
        call_command("import_catalog", str(path), verbosity=0, stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "line 3: price_paise must be a whole number, got 'abc'",
        "line 4: sku_code is required",
        "line 5: price_paise 70000 is above mrp_paise 65000; unknown tax_class 'gst-99'; "
        "hsn_code must be 4 to 8 digits, got '04'; publish must be yes or no, got 'maybe'",
        "line 6: a weight SKU needs step_g and estimated_weight_g",
        "line 7: sku_code AMUL-TZ-500 is also on line 2",
    ]
    assert not Product.objects.exists()
    assert not Sku.objects.exists()
    assert not Category.objects.exists()
    assert published == []


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(tmp_path: Path) -> None:
    out, err = run(write(tmp_path, BAD[0], *GOOD), "--skip-invalid")

    assert (
        out.strip() == "Imported 3 row(s): 3 SKU(s) created, 0 updated, 2 product(s) published, 1 bad row(s) skipped."
    )
    assert err.splitlines() == ["line 2: price_paise must be a whole number, got 'abc'"]
    assert sorted(Sku.objects.values_list("code", flat=True)) == ["AMUL-TZ-1L", "AMUL-TZ-500", "FV-TOM"]


def test_re_importing_a_known_sku_re_prices_it(tmp_path: Path) -> None:
    run(write(tmp_path, *GOOD))
    cheaper = GOOD[0].replace(",2800,2900,", ",2700,2900,")
    with captured_events() as published:
        out, _ = run(write(tmp_path, cheaper))
    assert out.strip() == "Imported 1 row(s): 0 SKU(s) created, 1 updated, 0 product(s) published."
    assert Sku.objects.get(code="AMUL-TZ-500").price_paise == 2700
    assert [type(e) for e in published] == [PriceChanged, ProductUpdated]


def test_a_file_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sku_code,product\nA,B\n")
    with pytest.raises(CommandError, match="missing columns category, tax_class, hsn_code, price_paise, mrp_paise"):
        run(path)
