from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from .. import live
from ..models import CreditNote, Invoice, Order, OrderLine, OrderRefund, OrderTransition


class OrderLineOutput(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = (
            "id", "sku_id", "name", "sold_by", "quantity", "unit_price_paise", "mrp_paise", "line_total_paise",
            "gst_rate_bp", "hsn_code", "tax_paise", "picked_quantity", "outcome", "refund_paise", "replacement",
            "replacement_sku_id", "offer_sku_id", "offer_name", "offer_unit_price_paise", "replaced_quantity",
            "replacement_paise", "discount_paise",
        )  # fmt: skip


#: Why an order was cancelled, as its customer reads it.
CANCEL_REASONS = {
    "customer_cancelled": "cancelled by you",
    "staff_cancelled": "cancelled by the shop",
    "payment_failed": "the payment failed",
    "payment_timeout": "not paid in time",
    "confirmation_timeout": "could not be confirmed in time",
    "out_of_stock": "out of stock",
    "store_closed": "the store is closed",
    "slot_unavailable": "the delivery slot is no longer available",
    "delivery_failed": "could not be delivered",
}


def cancel_reason_label(reason: str) -> str:
    return CANCEL_REASONS.get(reason, reason.replace("_", " "))


_ATTEMPT = re.compile(r"out for delivery \(attempt (\d+)\)")


def transition_note(step: OrderTransition) -> str:
    """The step's reason as a customer reads it; blank when it only repeats the status.

    Reasons are written for staff ("placed", "picked (implied)", "payment_failed:
    BAD_REQUEST_ERROR: ..."): a cancellation shows why in words (and the shop's note to the
    customer, when staff cancelled), a failed delivery attempt
    what happened at the door, a retry its attempt; gateway details stay with staff."""
    if step.to_status == Order.Status.CANCELLED:
        reason, _, detail = step.reason.partition(":")
        label = cancel_reason_label(reason.strip())
        # Staff write their note for the customer (the admin says so); other details are for staff.
        return f"{label}: {detail.strip()}" if reason == "staff_cancelled" and detail.strip() else label
    if step.reason.startswith("delivery attempt failed: "):
        return "delivery attempt failed: " + step.reason.removeprefix("delivery attempt failed: ").replace("_", " ")
    attempt = _ATTEMPT.fullmatch(step.reason)
    if attempt and int(attempt.group(1)) > 1:
        return f"attempt {attempt.group(1)}"
    return ""


class TransitionOutput(serializers.ModelSerializer[OrderTransition]):
    reason = serializers.SerializerMethodField(
        help_text="The recorded reason as written (codes, the gateway's error text): staff only, blank for customers"
    )
    note = serializers.SerializerMethodField(help_text="The reason in words; blank when the status says it all")

    class Meta:
        model = OrderTransition
        fields = ("from_status", "to_status", "reason", "note", "at")

    def get_reason(self, step: OrderTransition) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return step.reason if user is not None and user.is_staff else ""

    def get_note(self, step: OrderTransition) -> str:
        return transition_note(step)


_NO_LONGER_PAYABLE = "order no longer payable:"


def refund_reason(reason: str) -> str:
    """Why money went back, as the customer reads it: payments writes "order no longer payable:
    <cancel reason code>" for a cancelled order's money; other reasons are words already."""
    if reason.startswith(_NO_LONGER_PAYABLE):
        code = reason.removeprefix(_NO_LONGER_PAYABLE).strip()
        return _REFUNDED_BECAUSE.get(code) or f"the order was cancelled: {cancel_reason_label(code)}"
    return reason


#: Where "the order was cancelled: <label>" would say it twice.
_REFUNDED_BECAUSE = {
    "customer_cancelled": "you cancelled the order",
    "staff_cancelled": "the shop cancelled the order",
}


class RefundOutput(serializers.ModelSerializer[OrderRefund]):
    reason = serializers.SerializerMethodField(help_text="Why the money went back, in words")

    class Meta:
        model = OrderRefund
        fields = ("refund_id", "amount_paise", "status", "bank_reference", "reason", "at")

    def get_reason(self, refund: OrderRefund) -> str:
        return refund_reason(refund.reason)


class OrderSummaryOutput(serializers.ModelSerializer[Order]):
    final_total_paise = serializers.IntegerField(read_only=True)
    cancel_reason_label = serializers.SerializerMethodField(help_text="Why it was cancelled, in words")

    class Meta:
        model = Order
        fields: tuple[str, ...] = (
            "id",
            "status",
            "cancel_reason",
            "cancel_reason_label",
            "payment_method",
            "total_paise",
            "final_total_paise",
            "placed_at",
            "slot_starts_at",
            "slot_ends_at",
        )

    def get_cancel_reason_label(self, order: Order) -> str:
        return cancel_reason_label(order.cancel_reason) if order.cancel_reason else ""


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

    def get_totals(self, order: Order) -> dict[str, int | str]:
        return {
            "subtotal_paise": order.subtotal_paise,
            "coupon_code": order.coupon_code,
            "discount_paise": order.discount_paise,
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


class CreditNoteOutput(serializers.ModelSerializer[CreditNote]):
    class Meta:
        model = CreditNote
        fields = (
            "serial", "financial_year", "issued_at", "reason", "taxable_paise", "cgst_paise", "sgst_paise",
            "igst_paise", "total_paise",
        )  # fmt: skip


class InvoiceOutput(serializers.ModelSerializer[Invoice]):
    credit_notes = CreditNoteOutput(many=True, help_text="Refunds after the invoice, each reducing it")

    class Meta:
        model = Invoice
        fields = (
            "serial", "financial_year", "issued_at", "order", "supplier", "recipient", "intra_state", "lines",
            "taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise", "coupon_code",
            "discount_paise", "credit_notes",
        )  # fmt: skip
