"""The catalog's tables: taxonomy and tax, products and SKUs, and projections of inventory's facts."""

from .products import Diet, PriceHistory, Product, ProductImage, Sku, SoldBy, Storage, StorePrice
from .projections import Store, StockLevel
from .taxonomy import Brand, Category, TaxClass, TaxRate

__all__ = [
    "Brand",
    "Category",
    "Diet",
    "PriceHistory",
    "Product",
    "ProductImage",
    "Sku",
    "SoldBy",
    "Storage",
    "Store",
    "StockLevel",
    "StorePrice",
    "TaxClass",
    "TaxRate",
]
