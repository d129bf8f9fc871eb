"""Orders reacts to the other apps' facts: thin, each calls one service."""

from django.utils import timezone

from cart.events import CheckoutSubmitted, ReplacementOffer
from delivery.events import (
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentOutForDelivery,
    ShipmentPacked,
    ShipmentPicked,
    ShipmentReturned,
    SlotBooked,
    SlotBookingFailed,
    SlotReleased,
)
from inventory.events import StockCommitted, StockReleased, StockReservationFailed, StockReserved, StoreUpdated
from payments.events import (
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    PaymentRequested,
    RefundFailed,
    RefundRequested,
)
from shop.eventbus import current_event_occurred_at, subscriber

from . import services


# Its own transaction: isolated deliveries run in publish order, so orders are placed (and
# then reserve stock and book slots) first come, first served; the shared batch runs in
# key order instead, to keep two workers from deadlocking.
@subscriber(CheckoutSubmitted, own_transaction=True)
def place_order_on_checkout(event: CheckoutSubmitted) -> None:
    services.place_order(
        order_id=event.order_id,
        customer_id=event.customer_id,
        store_id=event.store_id,
        slot_id=event.slot_id,
        address=event.address.model_dump(mode="json"),
        pincode=event.address.pincode,
        payment_method=event.payment_method,
        lines=[
            services.LineInput(
                sku_id=line.sku_id,
                name=line.name,
                sold_by=line.sold_by,
                quantity=line.quantity,
                unit_price_paise=line.unit_price_paise,
                mrp_paise=line.mrp_paise,
                gst_rate_bp=line.gst_rate_bp,
                hsn_code=line.hsn_code,
                line_total_paise=line.line_total_paise,
                replacement=line.replacement,
                replacement_sku_id=line.replacement_sku_id,
                offer=_offer(line.replacement_offer),
                discount_paise=line.discount_paise,
            )
            for line in event.lines
        ],
        delivery_fee_paise=event.delivery_fee_paise,
        small_cart_fee_paise=event.small_cart_fee_paise,
        late_night_fee_paise=event.late_night_fee_paise,
        express_fee_paise=event.express_fee_paise,
        coupon_code=event.coupon_code,
        discount_paise=event.discount_paise,
        total_paise=event.total_paise,
    )


def _offer(offer: ReplacementOffer | None) -> services.OfferInput | None:
    if offer is None:
        return None
    return services.OfferInput(
        sku_id=offer.sku_id,
        name=offer.name,
        unit_price_paise=offer.unit_price_paise,
        mrp_paise=offer.mrp_paise,
        gst_rate_bp=offer.gst_rate_bp,
        hsn_code=offer.hsn_code,
    )


# --- Delivery's answers ---------------------------------------------------------------------


@subscriber(SlotBooked)
def record_slot_booked_for_order(event: SlotBooked) -> None:
    services.record_slot_booked(
        order_id=event.order_id, booking_id=event.booking_id, starts_at=event.starts_at, ends_at=event.ends_at
    )


@subscriber(SlotBookingFailed)
def cancel_order_on_slot_failure(event: SlotBookingFailed) -> None:
    services.record_slot_failed(order_id=event.order_id, reason=event.reason)


@subscriber(SlotReleased)
def record_slot_released_for_order(event: SlotReleased) -> None:
    services.record_slot_released(order_id=event.order_id)


@subscriber(ShipmentCreated)
def record_shipment_for_order(event: ShipmentCreated) -> None:
    services.record_shipment_created(
        order_id=event.order_id, shipment_id=event.shipment_id, tracking_code=event.tracking_code
    )


@subscriber(ShipmentPicked)
def adjust_order_after_picking(event: ShipmentPicked) -> None:
    services.record_picked(
        order_id=event.order_id,
        lines=[
            services.PickedLineInput(
                sku_id=line.sku_id,
                quantity_picked=line.quantity_picked,
                replacement_sku_id=line.replacement_sku_id,
                quantity_replaced=line.quantity_replaced,
            )
            for line in event.lines
        ],
    )


@subscriber(ShipmentPacked)
def record_order_packed(event: ShipmentPacked) -> None:
    services.record_packed(order_id=event.order_id)


@subscriber(ShipmentOutForDelivery)
def record_order_out_for_delivery(event: ShipmentOutForDelivery) -> None:
    services.record_out_for_delivery(order_id=event.order_id, attempt=event.attempt)


@subscriber(ShipmentDelivered)
def record_order_delivered(event: ShipmentDelivered) -> None:
    services.record_delivered(
        order_id=event.order_id, delivered_at=event.delivered_at, cash_collected_paise=event.cash_collected_paise
    )


@subscriber(ShipmentDeliveryFailed)
def record_failed_delivery_attempt(event: ShipmentDeliveryFailed) -> None:
    services.record_delivery_failed(order_id=event.order_id, reason=event.reason)


@subscriber(ShipmentReturned)
def cancel_order_on_return(event: ShipmentReturned) -> None:
    """Returned to the store: cancelled (delivery_failed) from wherever it is, so it is compensated."""
    services.record_shipment_returned(order_id=event.order_id)


# --- Inventory's answers --------------------------------------------------------------------


@subscriber(StockReserved)
def record_stock_reserved_for_order(event: StockReserved) -> None:
    services.record_stock_reserved(order_id=event.order_id, reservation_id=event.reservation_id)


@subscriber(StockReservationFailed)
def cancel_order_on_stock_failure(event: StockReservationFailed) -> None:
    services.record_stock_failed(order_id=event.order_id, reason=event.reason)


@subscriber(StockReleased)
def cancel_order_whose_stock_expired(event: StockReleased) -> None:
    """Released: the order's stock state says so; a hold that ran out before payment came
    in also cancels the order."""
    if event.reason == "expired":
        services.record_stock_expired(order_id=event.order_id)
    else:
        services.record_stock_released(order_id=event.order_id)


@subscriber(StockCommitted)
def record_stock_committed_for_order(event: StockCommitted) -> None:
    services.record_stock_committed(order_id=event.order_id)


@subscriber(StoreUpdated)
def record_store(event: StoreUpdated) -> None:
    """Remember the store's code and title, so staff read a name instead of a UUID."""
    services.record_store(
        store_id=event.store_id, code=event.code, title=event.title, announced_at=current_event_occurred_at()
    )


# --- Payments' answers ----------------------------------------------------------------------


@subscriber(PaymentRequested)
def record_payment_requested_for_order(event: PaymentRequested) -> None:
    services.record_payment_requested(
        order_id=event.order_id,
        intent_id=event.intent_id,
        razorpay_order_id=event.razorpay_order_id,
        key_id=event.key_id,
        pay_url=event.pay_url,
    )


@subscriber(PaymentCaptured)
def record_payment_captured_for_order(event: PaymentCaptured) -> None:
    services.record_payment_captured(order_id=event.order_id, amount_paise=event.amount_paise)


@subscriber(PaymentFailed)
def cancel_order_on_payment_failure(event: PaymentFailed) -> None:
    """Cancels once enough attempts failed (the name is the stored subscriber key: kept)."""
    services.record_payment_failed(
        order_id=event.order_id,
        reason=f"{event.error_code}: {event.error_description}",
        message=event.error_description,
        failed_attempts=event.failed_attempts,
    )


@subscriber(RefundRequested)
def record_refund_requested(event: RefundRequested) -> None:
    """The refund on its way, with why (payments' later news carries no reason)."""
    services.record_refund(
        order_id=event.order_id,
        refund_id=event.refund_id,
        amount_paise=event.amount_paise,
        status="requested",
        reason=event.reason,
        at=timezone.now(),
    )


@subscriber(PaymentRefunded)
def record_refund_processed(event: PaymentRefunded) -> None:
    services.record_refund(
        order_id=event.order_id,
        refund_id=event.refund_id,
        amount_paise=event.amount_paise,
        status="processed",
        bank_reference=event.bank_reference,
        at=event.refunded_at,
    )


@subscriber(RefundFailed)
def record_refund_failed(event: RefundFailed) -> None:
    services.record_refund(
        order_id=event.order_id,
        refund_id=event.refund_id,
        amount_paise=event.amount_paise,
        status="failed",
        reason=event.reason,
        at=event.failed_at,
    )
