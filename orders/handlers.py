"""Orders reacts to the other apps' facts: thin, each calls one service."""

from cart.events import CheckoutSubmitted
from shop.eventbus import subscriber

from . import services


@subscriber(CheckoutSubmitted)
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
            )
            for line in event.lines
        ],
        delivery_fee_paise=event.delivery_fee_paise,
        small_cart_fee_paise=event.small_cart_fee_paise,
        late_night_fee_paise=event.late_night_fee_paise,
        total_paise=event.total_paise,
    )
