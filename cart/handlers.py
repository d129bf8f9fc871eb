"""The cart's projections of catalog, inventory and delivery facts; coupons given back on cancellation."""

from catalog.events import PriceChanged, ProductDiscontinued, ProductPublished, ProductUpdated
from delivery.events import SlotOpened, ZoneConfigured
from inventory.events import StockLevelChanged
from orders.events import OrderCancelled
from shop.eventbus import subscriber

from .services import checkout, projections


@subscriber(ProductPublished)
def price_list_on_product_published(event: ProductPublished) -> None:
    projections.upsert_skus(skus=event.skus)


@subscriber(ProductUpdated)
def price_list_on_product_updated(event: ProductUpdated) -> None:
    projections.upsert_skus(skus=event.skus)


@subscriber(PriceChanged)
def price_list_on_price_changed(event: PriceChanged) -> None:
    projections.apply_price(
        sku_id=event.sku_id, store_id=event.store_id, price_paise=event.price_paise, mrp_paise=event.mrp_paise
    )


@subscriber(ProductDiscontinued)
def price_list_on_product_discontinued(event: ProductDiscontinued) -> None:
    projections.discontinue_skus(sku_ids=event.sku_ids)


@subscriber(StockLevelChanged)
def availability_on_stock_level_changed(event: StockLevelChanged) -> None:
    projections.apply_stock_level(
        store_id=event.store_id, sku_id=event.sku_id, available=event.available, in_stock=event.in_stock
    )


@subscriber(ZoneConfigured)
def zones_on_zone_configured(event: ZoneConfigured) -> None:
    projections.apply_zone(
        zone_id=event.zone_id,
        store_id=event.store_id,
        title=event.title,
        is_active=event.is_active,
        pincodes=event.pincodes,
        fee_policy=event.fee_policy.model_dump(mode="json"),
    )


@subscriber(SlotOpened)
def slots_on_slot_opened(event: SlotOpened) -> None:
    projections.apply_slot(
        slot_id=event.slot_id,
        zone_id=event.zone_id,
        store_id=event.store_id,
        mode=event.mode,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        cutoff_at=event.cutoff_at,
    )


@subscriber(OrderCancelled)
def give_back_coupon_of_cancelled_order(event: OrderCancelled) -> None:
    """A cancelled order does not count against its coupon's limits."""
    checkout.release_coupon(order_id=event.order_id)
