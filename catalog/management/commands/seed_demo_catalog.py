"""Seed the demo catalogue (>= 300 SKUs in 20+ aisles, with generated images); idempotent."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from PIL import Image, ImageDraw
from tqdm import tqdm

from catalog import services
from catalog.models import Brand, Category, Product, Sku, TaxClass

from ..demo_data import AISLES, TAX_CLASSES, Aisle

BRANDS_PER_ITEM = 2


class Command(BaseCommand):
    help = "Build a realistic Indian grocery catalogue for the demo shop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the catalogue has products.")
        parser.add_argument("--no-images", action="store_true", help="Skip the generated product images.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Product.objects.exists():
            self.stdout.write("Catalogue already has products; nothing to do.")
            return
        tax_classes = self._tax_classes()
        plan = [(aisle, spec) for aisle in AISLES for spec in _products_of(aisle)]
        created = 0
        # One transaction: all or nothing, and one commit instead of thousands (SQLite syncs each).
        with transaction.atomic():
            for aisle, spec in tqdm(plan, desc="catalog", unit="product", disable=options["verbosity"] == 0):
                if Sku.objects.filter(code=spec["skus"][0]["code"]).exists():
                    continue  # seeded before: leave it as staff may have changed it
                category = self._category(aisle)
                self._product(aisle, spec, category, tax_classes[aisle.tax], images=not options["no_images"])
                created += 1
        skus = Sku.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Catalogue: {created} products added; {skus} SKUs in total."))

    def _tax_classes(self) -> dict[str, TaxClass]:
        found = {t.code: t for t in TaxClass.objects.all()}
        for code, (name, rates) in TAX_CLASSES.items():
            if code in found:
                continue
            (first_rate, first_day), *later = rates
            found[code] = services.create_tax_class(code=code, name=name, rate_bp=first_rate, effective_from=first_day)
            for rate_bp, day in later:
                services.add_tax_rate(tax_class=found[code], rate_bp=rate_bp, effective_from=day)
        return found

    def _category(self, aisle: Aisle) -> Category:
        parent = Category.objects.filter(name=aisle.parent, parent=None).first() or services.create_category(
            name=aisle.parent
        )
        return Category.objects.filter(name=aisle.name, parent=parent).first() or services.create_category(
            name=aisle.name, parent=parent
        )

    def _product(self, aisle: Aisle, spec: dict[str, Any], category: Category, tax: TaxClass, *, images: bool) -> None:
        brand = None
        if spec["brand"]:
            brand = Brand.objects.filter(name=spec["brand"]).first() or services.create_brand(name=spec["brand"])
        product = services.create_product(
            title=spec["title"], category=category, brand=brand, tax_class=tax, hsn_code=aisle.hsn, tags=aisle.tags,
            diet=aisle.diet, is_organic="Organic" in spec["title"], is_vegan=spec["vegan"], storage=aisle.storage,
            shelf_life_days=aisle.shelf_life_days, min_life_on_delivery_days=aisle.min_life_days,
            description=f"{spec['title']}, from our {aisle.name.lower()} aisle.",
        )  # fmt: skip
        for position, sku in enumerate(spec["skus"]):
            services.create_sku(product=product, position=position, **sku)
        if images:
            services.add_product_image(
                product=product, image=_tile(spec["title"], aisle.colour), alt=spec["title"], thumbnails_now=True
            )
        services.publish_product(product=product)


def _products_of(aisle: Aisle) -> list[dict[str, Any]]:
    """The aisle's products: each item by a couple of its brands, in each pack; loose items by weight."""
    products = []
    for j, item in enumerate(aisle.items):
        vegan = aisle.diet == "veg" and aisle.parent == "Fruits & Vegetables"
        if not aisle.packs:
            per_kg = _vary(aisle.per_kg_paise, j)
            code = f"FV-{_code(item)}"
            sku = {"code": code, "sold_by": "weight", "step_g": aisle.step_g, "estimated_weight_g": aisle.step_g,
                   "price_paise": per_kg, "mrp_paise": _mrp(per_kg, j), "max_per_order": aisle.step_g * 12}  # fmt: skip
            products.append({"title": item, "brand": "", "vegan": vegan, "skus": [sku]})
            continue
        for k in range(min(BRANDS_PER_ITEM, len(aisle.brands))):
            brand = aisle.brands[(j + k) % len(aisle.brands)]
            title = f"{brand} {item}"
            skus = []
            for p, (size, unit, price) in enumerate(aisle.packs):
                selling = _vary(price, j * 3 + k)
                skus.append({
                    "code": f"{_code(brand)[:4]}-{_code(item)}-{size}{unit.upper()}",
                    "pack_size": size, "pack_unit": unit, "price_paise": selling, "mrp_paise": _mrp(selling, j + k + p),
                    "max_per_order": 6 if unit in ("kg", "l") and size >= 5 else 12,
                })  # fmt: skip
            products.append({"title": title, "brand": brand, "vegan": False, "skus": skus})
    return products


def _code(text: str) -> str:
    return "".join(word[:3] for word in text.upper().replace("'", "").replace("-", " ").split())[:14]


def _vary(paise: int, n: int) -> int:
    """A deterministic spread of prices around the aisle's typical one, rounded to the rupee."""
    return max(100, round(paise * (1 + ((n * 7) % 9 - 4) / 20) / 100) * 100)


def _mrp(price: int, n: int) -> int:
    return round(price * (1 + (n % 4) * 0.06) / 100) * 100 if n % 4 else price


def _tile(title: str, colour: tuple[int, int, int]) -> ContentFile[bytes]:
    """A small generated picture: the aisle's colour and the product's initials."""
    image = Image.new("RGB", (200, 200), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 30, 170, 170), fill=tuple(min(255, c + 50) for c in colour))
    initials = "".join(word[0] for word in title.split()[:3]).upper()
    draw.text((100, 100), initials, fill=(40, 40, 40), anchor="mm", font_size=48)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"{_code(title).lower()}.jpg")
