"""The notifications app's subscriptions: each writes one message (or remembers a recipient)."""

from __future__ import annotations

from typing import Any

from delivery.events import (
    ReturnedLine,
    ShipmentCancelled,
    ShipmentDelivered,
    ShipmentOutForDelivery,
    ShipmentPacked,
    ShipmentReturned,
)
from inventory.events import BatchesNearExpiry, StockLow
from orders.events import OrderAdjusted, OrderCancelled, OrderConfirmed
from payments.events import PaymentRefunded, RefundFailed, RefundRequested, WebhookAbandoned
from shop.eventbus import current_event_id, subscriber
from shop.eventbus.events import DeliveryDeadLettered
from shop.money import grams_label

from . import messages, services
from .messages import MIN_REFUND_PAISE
from .models import Notification

K = Notification.Kind


@subscriber(OrderConfirmed)
def confirm_to_customer(event: OrderConfirmed) -> None:
    services.record_recipient(order_id=event.order_id, customer_id=event.customer_id)
    services.notify_customer(
        kind=K.ORDER_CONFIRMED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        customer_id=event.customer_id,
        amount_paise=event.total_paise,
        lines="\n".join(
            messages.confirmed_line(
                name=line.name,
                by_weight=line.sold_by == "weight",
                quantity=line.quantity,
                total_paise=line.line_total_paise,
            )
            for line in event.lines
        ),
        money=messages.confirmed_money(
            items_paise=sum(line.line_total_paise for line in event.lines),
            coupon_code=event.coupon_code,
            discount_paise=event.discount_paise,
            fees_paise=event.fees_paise,
            total_paise=event.total_paise,
            cash_on_delivery=event.payment_method == "cod",
        ),
        slot=messages.slot_window(event.slot_starts_at, event.slot_ends_at),
        address=", ".join(part for part in (event.recipient_name, event.address_text) if part),
    )


@subscriber(OrderCancelled)
def cancellation_to_customer(event: OrderCancelled) -> None:
    services.record_recipient(order_id=event.order_id, customer_id=event.customer_id)
    services.notify_customer(
        kind=K.ORDER_CANCELLED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        customer_id=event.customer_id,
        reason=event.reason.replace("_", " "),
    )


@subscriber(OrderAdjusted)
def adjustment_to_customer(event: OrderAdjusted) -> None:
    """What picking found of each short line (and what replaced it), and what that does to the money."""
    if not _worth_telling(event):
        return
    services.notify_customer(
        kind=K.ORDER_ADJUSTED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        customer_id=event.customer_id,
        lines="\n".join(
            messages.adjusted_line(
                name=line.name,
                by_weight=line.sold_by == "weight",
                ordered=line.quantity_ordered,
                picked=line.quantity_picked,
                replacement_name=line.replacement_name,
                replaced=line.quantity_replaced,
            )
            for line in event.lines
        ),
        money=messages.adjusted_money(
            cash_on_delivery=event.payment_method == "cod",
            refund_paise=event.refund_paise,
            final_total_paise=event.final_total_paise,
        ),
    )


def _worth_telling(event: OrderAdjusted) -> bool:
    """A pack short, a replacement, or money back: yes. A weighed line a few grams light whose
    refund rounds to nothing (orders announces it all the same, for delivery): no."""
    # Prepaid, less than a rupee cannot go back to a card or UPI (payments notes it): alone, not news.
    money_back = event.refund_paise >= (1 if event.payment_method == "cod" else MIN_REFUND_PAISE)
    return money_back or any(
        line.quantity_replaced > 0 or (line.sold_by == "unit" and line.quantity_picked < line.quantity_ordered)
        for line in event.lines
    )


@subscriber(ShipmentPacked)
def packed_to_customer(event: ShipmentPacked) -> None:
    services.notify_customer(kind=K.ORDER_PACKED, source_event_id=current_event_id(), order_id=event.order_id)


@subscriber(ShipmentOutForDelivery)
def on_its_way_to_customer(event: ShipmentOutForDelivery) -> None:
    services.notify_customer(kind=K.OUT_FOR_DELIVERY, source_event_id=current_event_id(), order_id=event.order_id)


@subscriber(ShipmentDelivered)
def delivered_to_customer(event: ShipmentDelivered) -> None:
    services.notify_customer(kind=K.ORDER_DELIVERED, source_event_id=current_event_id(), order_id=event.order_id)


@subscriber(RefundRequested)
def refund_started_to_customer(event: RefundRequested) -> None:
    if event.channel != "razorpay":
        return  # the store paid it back already (cash on delivery): "is done" follows, nothing to wait for
    services.notify_customer(
        kind=K.REFUND_INITIATED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        amount_paise=event.amount_paise,
        reason=event.reason,
    )


@subscriber(PaymentRefunded)
def refund_done_to_customer(event: PaymentRefunded) -> None:
    if event.channel != "razorpay":  # the store paid a cash-on-delivery refund: say how, not "ask your bank"
        services.notify_customer(
            kind=K.REFUND_PROCESSED,
            source_event_id=current_event_id(),
            order_id=event.order_id,
            amount_paise=event.amount_paise,
            paid_by=messages.paid_by(event.channel, event.bank_reference),
        )
        return
    services.notify_customer(
        kind=K.REFUND_PROCESSED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        amount_paise=event.amount_paise,
        bank_reference=event.bank_reference or "not given by the bank yet",
    )


@subscriber(StockLow)
def stock_low_to_staff(event: StockLow) -> None:
    """Names, not ids, where the event carries them (events from before it did: the ids)."""

    def amount(quantity: int) -> str:
        return grams_label(quantity) if event.base_unit == "g" else f"{quantity:,}"

    sku = f"{event.sku_name} ({event.sku_code})" if event.sku_name else f"SKU {event.sku_id}"
    store = f"{event.store_title} ({event.store_code})" if event.store_title else f"store {event.store_id}"
    stock_url = f"/admin/inventory/stock/{event.stock_id}/change/" if event.stock_id else "/admin/inventory/stock/"
    services.alert_staff(
        kind=K.STAFF_STOCK_LOW,
        source_event_id=current_event_id(),
        sku=sku,
        store=store,
        available=amount(event.available),
        threshold=amount(event.threshold),
        admin_url=services.public_url(stock_url),
    )


@subscriber(BatchesNearExpiry)
def near_expiry_to_staff(event: BatchesNearExpiry) -> None:
    """A store's daily digest of batches about to expire, with what to do and the admin's list of them.
    Inventory publishes at most one per store and day; the (event, kind) key makes it one message."""
    lines = [
        messages.near_expiry_line(
            name=batch.sku_name,
            sku_code=batch.sku_code,
            batch_code=batch.batch_code,
            quantity=batch.quantity,
            by_weight=batch.unit == "g",
            expires_on=batch.expires_on,
            today=event.day,
        )
        for batch in event.batches
    ]
    store_code = event.store_code.upper()
    batches_url = f"/admin/inventory/batch/?expiry={event.within_days}&stock__store__id__exact={event.store_id}"
    last_day = max(batch.expires_on for batch in event.batches)
    context: dict[str, Any] = {
        **messages.near_expiry_context(lines=lines, last_day=last_day, today=event.day),
        "store_code": store_code,
        "store_title": event.store_title or store_code,
        "within_days": event.within_days,
        "admin_url": services.public_url(batches_url),
    }
    services.alert_staff(kind=K.STAFF_NEAR_EXPIRY, source_event_id=current_event_id(), **context)


@subscriber(RefundFailed)
def refund_failed_to_staff(event: RefundFailed) -> None:
    services.alert_staff(
        kind=K.STAFF_REFUND_FAILED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        refund_id=event.refund_id,
        amount_paise=event.amount_paise,
        reason=event.reason,
    )


@subscriber(DeliveryDeadLettered)
def dead_letter_to_staff(event: DeliveryDeadLettered) -> None:
    """A subscriber gave up on an event: what it should have done has not happened."""
    services.alert_staff(
        kind=K.STAFF_DEAD_LETTER,
        source_event_id=current_event_id(),
        subscriber=event.subscriber,
        event_name=event.event_name,
        event_id=event.event_id,
        event_key=event.event_key,
        error_kind=event.error_kind,
        error=event.error,
        attempts=event.attempts,
        delivery_id=event.delivery_id,
        admin_url=services.public_url(f"/admin/eventbus/deadletter/{event.delivery_id}/change/"),
    )


@subscriber(WebhookAbandoned)
def abandoned_webhook_to_staff(event: WebhookAbandoned) -> None:
    """Razorpay told us something that could not be applied: a payment or refund our books miss."""
    services.alert_staff(
        kind=K.STAFF_WEBHOOK_ABANDONED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        order=str(event.order_id) if event.order_id else "not named",
        razorpay_event_id=event.razorpay_event_id,
        event_type=event.event_type,
        attempts=event.attempts,
        error=event.error,
        admin_url=services.public_url(f"/admin/payments/webhookevent/{event.webhook_id}/change/"),
    )


@subscriber(ShipmentCancelled)
def cancelled_picked_shipment_to_staff(event: ShipmentCancelled) -> None:
    """An order cancelled after picking leaves its goods in a bag at the store, off the shelf in
    inventory's books (picking committed them): someone must put the sellable ones back. A
    shipment cancelled before picking had nothing taken: its stock is simply released."""
    if not event.lines:
        return
    services.alert_staff(
        kind=K.STAFF_CANCELLED_AFTER_PICKING,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        tracking_code=event.tracking_code or str(event.shipment_id)[:8],
        items=_bag(event.lines),
        admin_url=services.public_url(f"/admin/inventory/stock/?store__id__exact={event.store_id}"),
    )


def _bag(lines: tuple[ReturnedLine, ...]) -> str:
    """What is in a bag, one line each: "- Toned Milk 500 ml: 2", "- Tomatoes: 450 g"."""
    listed = "\n".join(
        f"- {line.title}: {grams_label(line.quantity) if line.sold_by_weight else line.quantity}" for line in lines
    )
    return listed or "- (not listed: see the shipment)"


@subscriber(ShipmentReturned)
def returned_shipment_to_staff(event: ShipmentReturned) -> None:
    """Picked goods left the shelf at picking (inventory committed them); someone must put the
    sellable ones back."""
    services.alert_staff(
        kind=K.STAFF_SHIPMENT_RETURNED,
        source_event_id=current_event_id(),
        order_id=event.order_id,
        tracking_code=event.tracking_code or str(event.shipment_id)[:8],
        items=_bag(event.lines),
        admin_url=services.public_url(f"/admin/inventory/stock/?store__id__exact={event.store_id}"),
    )
