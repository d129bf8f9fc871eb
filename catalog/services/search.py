"""Keep a product's search fields (weighted tsvector, trigram text) in step with what it shows."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value

from ..models import Product
from ..selectors.search import SEARCH_CONFIG
from ..selectors.snapshots import category_path_titles


def refresh_search_fields(*, product_ids: Collection[UUID]) -> None:
    """Recompute title (A), brand (B), category (C) and tags (D) for the given products."""
    products = Product.objects.filter(pk__in=product_ids).select_related("brand", "category")
    for product in products:
        brand = product.brand.name if product.brand else ""
        categories = " ".join(category_path_titles(product.category))
        tags = product.tags.replace(",", " ")
        # Names only for typo matching: category words are long and shared by hundreds of
        # products, which would make every trigram match slow and vague; full text has them.
        updates: dict[str, object] = {
            "search_text": " ".join(part for part in (product.title, brand, tags) if part).lower()
        }
        if connection.vendor == "postgresql":
            updates["search_vector"] = (
                SearchVector(Value(product.title), weight="A", config=SEARCH_CONFIG)
                + SearchVector(Value(brand), weight="B", config=SEARCH_CONFIG)
                + SearchVector(Value(categories), weight="C", config=SEARCH_CONFIG)
                + SearchVector(Value(tags), weight="D", config=SEARCH_CONFIG)
            )
        Product.objects.filter(pk=product.pk).update(**updates)
