from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .. import live
from ..models import Invoice, Order, OrderLine, OrderRefund, OrderTransition


class OrderLineOutput(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = (
            "id", "sku_id", "name", "sold_by", "quantity", "unit_price_paise", "mrp_paise", "line_total_paise",
            "gst_rate_bp", "hsn_code", "tax_paise", "picked_quantity", "outcome", "refund_paise",
        )  # fmt: skip


class TransitionOutput(serializers.ModelSerializer[OrderTransition]):
    class Meta:
        model = OrderTransition
        fields = ("from_status", "to_status", "reason", "at")


class RefundOutput(serializers.ModelSerializer[OrderRefund]):
    class Meta:
        model = OrderRefund
        fields = ("refund_id", "amount_paise", "status", "bank_reference", "reason", "at")


class OrderSummaryOutput(serializers.ModelSerializer[Order]):
    final_total_paise = serializers.IntegerField(read_only=True)

    class Meta:
        model = Order
        fields: tuple[str, ...] = (
            "id",
            "status",
            "cancel_reason",
            "payment_method",
            "total_paise",
            "final_total_paise",
            "placed_at",
            "slot_starts_at",
            "slot_ends_at",
        )


class OrderDetailOutput(OrderSummaryOutput):
    lines = OrderLineOutput(many=True)
    timeline = TransitionOutput(many=True, source="transitions")
    refunds = RefundOutput(many=True)
    payment = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta(OrderSummaryOutput.Meta):
        fields = (
            *OrderSummaryOutput.Meta.fields,
            "address", "pincode", "store_id", "slot_id", "payment_due_at", "confirmed_at", "delivered_at",
            "cancelled_at", "totals", "payment", "shipment", "lines", "timeline", "refunds",
        )  # fmt: skip

    def get_totals(self, order: Order) -> dict[str, int]:
        return {
            "subtotal_paise": order.subtotal_paise,
            "tax_included_paise": order.tax_paise,
            "savings_paise": order.savings_paise,
            "delivery_fee_paise": order.delivery_fee_paise,
            "small_cart_fee_paise": order.small_cart_fee_paise,
            "late_night_fee_paise": order.late_night_fee_paise,
            "express_fee_paise": order.express_fee_paise,
            "total_paise": order.total_paise,
            "adjustment_paise": order.adjustment_paise,
            "final_total_paise": order.final_total_paise,
            "paid_paise": order.paid_paise,
            "refunded_paise": order.refunded_paise,
        }

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None and path else path

    def get_payment(self, order: Order) -> dict[str, Any]:
        payment = live.payment_details(order)
        if "razorpay" in payment:  # what Razorpay Checkout needs in the browser
            payment["razorpay"]["pay_url"] = self._absolute(order.pay_url)
        return payment

    def get_shipment(self, order: Order) -> dict[str, Any] | None:
        if order.shipment_id is None:
            return None
        return {"shipment_id": order.shipment_id, "tracking_code": order.tracking_code}


class InvoiceOutput(serializers.ModelSerializer[Invoice]):
    class Meta:
        model = Invoice
        fields = (
            "serial", "financial_year", "issued_at", "order", "supplier", "recipient", "intra_state", "lines",
            "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise",
        )  # fmt: skip
