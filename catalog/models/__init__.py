"""The catalog's tables: taxonomy and tax, products and SKUs, and projections of inventory's facts."""

from .products import Diet, PriceHistory, Product, ProductImage, Sku, SoldBy, Storage, StorePrice
from .projections import StockLevel, Store
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
    "StockLevel",
    "Storage",
    "Store",
    "StorePrice",
    "TaxClass",
    "TaxRate",
]
