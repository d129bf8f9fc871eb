"""Categories, brands, and GST tax classes with their effective-dated rates."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from ..models import Brand, Category, Product, TaxClass, TaxRate
from ..selectors.tax import today_in_india
from .announce import announce_product
from .cache import bump_listing_version
from .search import refresh_search_fields


def create_category(*, name: str, parent: Category | None = None, slug: str = "", position: int = 0) -> Category:
    """Add a node to the category tree."""
    slug = slug or slugify(name)
    category = Category(
        name=name, slug=slug, parent=parent, position=position, path=f"{parent.path}/{slug}" if parent else slug
    )
    category.full_clean()
    with transaction.atomic():
        category.save(force_insert=True)
        bump_listing_version()
    return category


def rename_category(*, category: Category, name: str) -> Category:
    """Rename a category; its products' search fields follow."""
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        category.name = name
        category.full_clean()
        category.save(update_fields=["name"])
        ids = list(Product.objects.filter(category__path__startswith=category.path).values_list("pk", flat=True))
        refresh_search_fields(product_ids=ids)
        bump_listing_version()
    return category


def create_brand(*, name: str, slug: str = "") -> Brand:
    brand = Brand(name=name, slug=slug or slugify(name))
    brand.full_clean()
    with transaction.atomic():
        brand.save(force_insert=True)
    return brand


def create_tax_class(
    *, code: str, name: str, rate_bp: int | None = None, effective_from: date | None = None
) -> TaxClass:
    """A GST class, with its first rate if given (products need a rate in force to be published)."""
    with transaction.atomic():
        tax_class = TaxClass(code=code, name=name)
        tax_class.full_clean()
        tax_class.save(force_insert=True)
        if rate_bp is not None and effective_from is not None:
            add_tax_rate(tax_class=tax_class, rate_bp=rate_bp, effective_from=effective_from)
    return tax_class


def rename_tax_class(*, tax_class: TaxClass, name: str) -> TaxClass:
    with transaction.atomic():
        TaxClass.objects.filter(pk=tax_class.pk).update(name=name)
        tax_class.name = name
    return tax_class


def add_tax_rate(*, tax_class: TaxClass, rate_bp: int, effective_from: date) -> TaxRate:
    """Schedule a GST rate from a date; rates in force earlier stay as they were for past orders."""
    rate = TaxRate(tax_class=tax_class, rate_bp=rate_bp, effective_from=effective_from)
    rate.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            rate.save(force_insert=True)
            if effective_from <= today_in_india():
                _announce_rate(rate)
    except IntegrityError as exc:
        raise ValidationError(
            {"effective_from": [f"{tax_class} already has a rate from {effective_from:%d %b %Y}."]}
        ) from exc
    return rate


def _announce_rate(rate: TaxRate) -> None:
    """The published snapshots carry the GST rate in force: re-announce the class's products."""
    for product in Product.objects.filter(tax_class_id=rate.tax_class_id, status=Product.Status.PUBLISHED):
        announce_product(product)
    TaxRate.objects.filter(pk=rate.pk).update(announced_at=timezone.now())
    bump_listing_version()


def announce_rates_taking_effect(*, on: date | None = None) -> int:
    """Re-announce the products of every class whose scheduled rate has come into force (e.g. on 22 Sep)."""
    on = on or today_in_india()
    announced = 0
    with transaction.atomic():
        due = TaxRate.objects.select_for_update(skip_locked=True).filter(announced_at=None, effective_from__lte=on)
        for rate in due.order_by("effective_from", "pk"):
            _announce_rate(rate)
            announced += 1
    return announced
