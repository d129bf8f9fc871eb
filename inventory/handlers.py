"""Inventory's subscriptions: the catalog's SKU facts it needs to stock and sell."""

from __future__ import annotations

import structlog

from catalog.events import ProductDiscontinued, ProductPublished, ProductUpdated
from delivery.events import ShipmentPicked
from orders.events import OrderCancelled, OrderConfirmed, OrderPlaced
from shop.eventbus import PermanentError, subscriber

from . import services
from .errors import InvalidStockRequest, ReservationStateError

log = structlog.get_logger("inventory")


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


# --- The checkout saga: orders asks, inventory answers with its own events ----------------


@subscriber(OrderPlaced, own_transaction=True)
def reserve_stock_for_order(event: OrderPlaced) -> None:
    """Hold the order's stock (all lines or none); the answer is StockReserved or StockReservationFailed."""
    try:
        services.reserve_stock(order_id=event.order_id, store_id=event.store_id, lines=event.lines)
    except InvalidStockRequest as exc:  # an unknown SKU or a bad quantity will not get better
        raise PermanentError(str(exc)) from exc


# Shares the batch's transaction: it locks only the order's own reservation row (keyed
# like the event), not the stock rows every checkout of a SKU contends for.
@subscriber(OrderConfirmed)
def hold_stock_of_confirmed_order(event: OrderConfirmed) -> None:
    """Paid (or cash on delivery) and booked: keep the stock until picking, past the checkout's TTL."""
    services.hold_for_fulfilment(order_id=event.order_id)


@subscriber(OrderCancelled, own_transaction=True)
def release_stock_of_cancelled_order(event: OrderCancelled) -> None:
    """Put the stock back on sale; nothing to do if none was held. Cancelled after picking
    (by staff, or because nothing could be picked), the picked goods have left the shelf:
    staff put them back with a stock adjustment, nothing is released here."""
    try:
        services.release_stock(order_id=event.order_id, reason="cancelled")
    except ReservationStateError:
        log.info("cancelled_order_stock_already_committed", order_id=str(event.order_id), reason=event.reason)


@subscriber(ShipmentPicked, own_transaction=True)
def commit_stock_when_picked(event: ShipmentPicked) -> None:
    """Take what was picked off the shelf (FEFO), and the replacements put in short lines' place;
    the unpicked rest goes back on sale."""
    services.commit_stock(
        order_id=event.order_id,
        picked=[services.Line(sku_id=line.sku_id, quantity=line.quantity_picked) for line in event.lines],
        replacements=[
            services.Line(sku_id=line.replacement_sku_id, quantity=line.quantity_replaced)
            for line in event.lines
            if line.replacement_sku_id is not None and line.quantity_replaced
        ],
    )
