"""The catalog's use cases: the only code that writes its tables, each in one transaction."""

from .availability import record_stock_level, record_store
from .images import add_product_image, delete_product_image, make_thumbnails
from .pricing import remove_store_price, set_store_price
from .products import (
    IllegalTransition,
    create_product,
    create_sku,
    discontinue_product,
    publish_product,
    set_base_price,
    unpublish_product,
    update_product,
    update_sku,
)
from .taxonomy import (
    add_tax_rate,
    announce_rates_taking_effect,
    create_brand,
    create_category,
    create_tax_class,
    rename_category,
    rename_tax_class,
)

__all__ = [
    "IllegalTransition",
    "add_product_image",
    "add_tax_rate",
    "announce_rates_taking_effect",
    "create_brand",
    "create_category",
    "create_product",
    "create_sku",
    "create_tax_class",
    "delete_product_image",
    "discontinue_product",
    "make_thumbnails",
    "publish_product",
    "record_stock_level",
    "record_store",
    "remove_store_price",
    "rename_category",
    "rename_tax_class",
    "set_base_price",
    "set_store_price",
    "unpublish_product",
    "update_product",
    "update_sku",
]
