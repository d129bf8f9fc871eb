"""Inventory's subscriptions: the catalog's SKU facts it needs to stock and sell."""

from __future__ import annotations

from catalog.events import ProductDiscontinued, ProductPublished, ProductUpdated
from shop.eventbus import subscriber

from . import services


@subscriber(ProductPublished)
def project_published_skus(event: ProductPublished) -> None:
    """Keep the SKUs of a product that went on sale."""
    services.upsert_skus(skus=event.skus)


@subscriber(ProductUpdated)
def project_updated_skus(event: ProductUpdated) -> None:
    """Keep the SKUs' new state (step, minimum life on delivery, active)."""
    services.upsert_skus(skus=event.skus)


@subscriber(ProductDiscontinued)
def project_discontinued_skus(event: ProductDiscontinued) -> None:
    """Stop selling the discontinued SKUs' stock."""
    services.discontinue_skus(sku_ids=event.sku_ids)
