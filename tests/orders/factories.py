"""Orders are made the way production makes them: through place_order()."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from orders import services
from orders.models import Order
from orders.services import LineInput

ADDRESS = {"name": "Asha Rao", "line1": "12, 3rd Cross", "city": "Bengaluru", "state": "Karnataka", "pincode": "560038"}


def milk(quantity: int = 2) -> LineInput:
    # 2 x Rs 30.00, GST 5 %
    return LineInput(
        sku_id=uuid.UUID("00000000-0000-0000-0000-00000000a001"), name="Toned Milk 500 ml", sold_by="unit",
        quantity=quantity, unit_price_paise=3000, mrp_paise=3200, gst_rate_bp=500, hsn_code="0401",
        line_total_paise=3000 * quantity,
    )  # fmt: skip


def tomatoes(grams: int = 750) -> LineInput:
    # Rs 40.00 per kg, nil GST
    return LineInput(
        sku_id=uuid.UUID("00000000-0000-0000-0000-00000000a002"), name="Tomato (loose)", sold_by="weight",
        quantity=grams, unit_price_paise=4000, mrp_paise=5000, gst_rate_bp=0, hsn_code="0702",
        line_total_paise=4000 * grams // 1000,
    )  # fmt: skip


def place(*, payment_method: str = "razorpay", lines: list[LineInput] | None = None, **overrides: Any) -> Order:
    lines = lines if lines is not None else [milk(), tomatoes()]
    fees = overrides.pop("delivery_fee_paise", 2500)
    kwargs: dict[str, Any] = {
        "order_id": uuid.uuid4(),
        "customer_id": uuid.uuid4(),
        "store_id": uuid.uuid4(),
        "slot_id": uuid.uuid4(),
        "address": ADDRESS,
        "pincode": "560038",
        "payment_method": payment_method,
        "lines": lines,
        "delivery_fee_paise": fees,
        "total_paise": sum(line.line_total_paise for line in lines) + fees,
        **overrides,
    }
    with transaction.atomic():
        return services.place_order(**kwargs)


def hold_stock_and_slot(order: Order) -> None:
    """Inventory reserved the order's stock and delivery booked its slot (a prepaid order
    then awaits payment as soon as its Razorpay order exists)."""
    from datetime import timedelta

    from django.utils import timezone

    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    starts = timezone.now() + timedelta(hours=3)
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
