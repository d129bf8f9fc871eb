"""Catalogue import from CSV: validate every row first, then write the good ones in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..models import Brand, Category, Diet, Product, Sku, Storage, TaxClass
from .products import create_product, create_sku, publish_product, update_sku
from .taxonomy import create_brand, create_category

COLUMNS = (
    "sku_code", "product", "brand", "category", "tax_class", "hsn_code", "sold_by", "pack_size", "pack_unit",
    "step_g", "estimated_weight_g", "price_paise", "mrp_paise", "max_per_order", "diet", "storage",
    "shelf_life_days", "min_life_on_delivery_days", "tags", "publish",
)  # fmt: skip
REQUIRED = ("sku_code", "product", "category", "tax_class", "hsn_code", "price_paise", "mrp_paise")
_HSN = re.compile(r"^[0-9]{4,8}$")
_YES = {"yes", "y", "true", "1"}
_NO = {"", "no", "n", "false", "0"}


@dataclass
class ImportRow:
    line: int
    values: dict[str, Any]


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_skus: int = 0
    updated_skus: int = 0
    published: int = 0


def _int(raw: dict[str, str], name: str, problems: list[str], *, minimum: int = 0) -> int | None:
    text = (raw.get(name) or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"-?[0-9]+", text):
        problems.append(f"{name} must be a whole number, got {text!r}")
        return None
    value = int(text)
    if value < minimum:
        problems.append(f"{name} must be at least {minimum}, got {value}")
        return None
    return value


def _clean_row(raw: dict[str, str], tax_classes: set[str]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = [f"{name} is required" for name in REQUIRED if not (raw.get(name) or "").strip()]
    text = {name: (raw.get(name) or "").strip() for name in COLUMNS}
    values: dict[str, Any] = {**text, "sold_by": text["sold_by"].lower() or "unit"}
    for name in ("pack_size", "step_g", "estimated_weight_g", "price_paise", "mrp_paise", "max_per_order"):
        values[name] = _int(raw, name, problems, minimum=1)
    for name in ("shelf_life_days", "min_life_on_delivery_days"):
        values[name] = _int(raw, name, problems)
    if values["sold_by"] not in ("unit", "weight"):
        problems.append(f"sold_by must be unit or weight, got {text['sold_by']!r}")
    elif values["sold_by"] == "unit" and not (values["pack_size"] and text["pack_unit"]):
        problems.append("a unit SKU needs pack_size and pack_unit")
    elif values["sold_by"] == "weight" and not (values["step_g"] and values["estimated_weight_g"]):
        problems.append("a weight SKU needs step_g and estimated_weight_g")
    if text["pack_unit"] and text["pack_unit"].lower() not in Sku.PackUnit.values:
        problems.append(f"pack_unit must be one of {', '.join(Sku.PackUnit.values)}, got {text['pack_unit']!r}")
    values["pack_unit"] = text["pack_unit"].lower()
    if values["price_paise"] and values["mrp_paise"] and values["price_paise"] > values["mrp_paise"]:
        problems.append(f"price_paise {values['price_paise']} is above mrp_paise {values['mrp_paise']}")
    if text["tax_class"] and text["tax_class"] not in tax_classes:
        problems.append(f"unknown tax_class {text['tax_class']!r}")
    if text["hsn_code"] and not _HSN.match(text["hsn_code"]):
        problems.append(f"hsn_code must be 4 to 8 digits, got {text['hsn_code']!r}")
    values["diet"] = text["diet"].lower() or Diet.VEG
    if values["diet"] not in Diet.values:
        problems.append(f"diet must be one of {', '.join(Diet.values)}, got {text['diet']!r}")
    values["storage"] = text["storage"].lower() or Storage.AMBIENT
    if values["storage"] not in Storage.values:
        problems.append(f"storage must be one of {', '.join(Storage.values)}, got {text['storage']!r}")
    if text["publish"].lower() not in _YES | _NO:
        problems.append(f"publish must be yes or no, got {text['publish']!r}")
    values["publish"] = text["publish"].lower() in _YES
    values["sku_code"] = text["sku_code"].upper()
    return values, problems


def validate_rows(records: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Check every row (line number, raw values); nothing is written."""
    report = ImportReport()
    tax_classes = set(TaxClass.objects.values_list("code", flat=True))
    seen: dict[str, int] = {}
    for line, raw in records:
        values, problems = _clean_row(raw, tax_classes)
        code = values["sku_code"]
        if code and code in seen:
            problems.append(f"sku_code {code} is also on line {seen[code]}")
        seen.setdefault(code, line)
        if problems:
            report.errors.append((line, "; ".join(problems)))
        else:
            report.rows.append(ImportRow(line=line, values=values))
    return report


def _category(path: str) -> Category:
    parent: Category | None = None
    for name in (part.strip() for part in path.split(">")):
        found = Category.objects.filter(parent=parent, name=name).first()
        parent = found or create_category(
            name=name, parent=parent, slug=slugify(f"{parent.slug}-{name}" if parent else name)
        )
    assert parent is not None
    return parent


def import_rows(*, report: ImportReport, progress: Callable[[int], object] = lambda n: None) -> ImportReport:
    """Write the validated rows in one transaction: new SKUs are created, known ones re-priced."""
    to_publish: dict[Any, Product] = {}
    with transaction.atomic():
        for row in report.rows:
            try:
                _import_row(row.values, report, to_publish)
            except ValidationError as exc:
                raise ValidationError(f"line {row.line}: {'; '.join(exc.messages)}") from exc
            progress(1)
        for product in to_publish.values():
            product.refresh_from_db()
            if product.status == Product.Status.DRAFT:
                publish_product(product=product)
                report.published += 1
    return report


def _import_row(values: dict[str, Any], report: ImportReport, to_publish: dict[Any, Product]) -> None:
    sku = Sku.objects.filter(code=values["sku_code"]).select_related("product").first()
    if sku is not None:
        update_sku(sku=sku, price_paise=values["price_paise"], mrp_paise=values["mrp_paise"],
                   **({"max_per_order": values["max_per_order"]} if values["max_per_order"] else {}))  # fmt: skip
        report.updated_skus += 1
        product = sku.product
    else:
        product = _product(values)
        create_sku(
            product=product, code=values["sku_code"], sold_by=values["sold_by"], pack_size=values["pack_size"],
            pack_unit=values["pack_unit"], step_g=values["step_g"], estimated_weight_g=values["estimated_weight_g"],
            price_paise=values["price_paise"], mrp_paise=values["mrp_paise"],
            max_per_order=values["max_per_order"] or 10,
        )  # fmt: skip
        report.created_skus += 1
    if values["publish"]:
        to_publish[product.pk] = product


def _product(values: dict[str, Any]) -> Product:
    slug = slugify(values["product"])
    product = Product.objects.filter(slug=slug).first()
    if product is not None:
        return product
    brand = None
    if values["brand"]:
        brand = Brand.objects.filter(name=values["brand"]).first() or create_brand(name=values["brand"])
    return create_product(
        title=values["product"], slug=slug, category=_category(values["category"]), brand=brand,
        tax_class=TaxClass.objects.get(code=values["tax_class"]), hsn_code=values["hsn_code"], tags=values["tags"],
        diet=values["diet"], storage=values["storage"], shelf_life_days=values["shelf_life_days"],
        min_life_on_delivery_days=values["min_life_on_delivery_days"] or 0,
    )  # fmt: skip
