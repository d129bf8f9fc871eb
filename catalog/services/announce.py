"""Publishing the catalog's events from the services (always inside their transaction)."""

from __future__ import annotations

from shop.eventbus import publish

from ..events import ProductPublished, ProductUpdated
from ..models import Product
from ..selectors.snapshots import category_path_titles, product_snapshots


def announce_product(product: Product, *, published: bool = False) -> None:
    """Publish the product's full state: ProductPublished when it goes on sale, else ProductUpdated."""
    event_type = ProductPublished if published else ProductUpdated
    publish(
        event_type(
            product_id=product.id,
            slug=product.slug,
            title=product.title,
            category_path=category_path_titles(product.category),
            skus=product_snapshots(product),
        ),
        key=product.id,
    )


def announce_if_visible(product: Product) -> None:
    """Drafts are private: only a published (or just unpublished) product's changes are news."""
    if product.status == Product.Status.PUBLISHED:
        announce_product(product)
