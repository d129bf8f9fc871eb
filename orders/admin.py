"""Staff screens for orders: lines, timeline, refunds; cancel action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.adminkit import ReadOnlyInline
from shop.money import format_inr

from . import services
from .models import Order, OrderLine, OrderRefund, OrderTransition


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "name",
        "sku_id",
        "quantity",
        "unit_price_paise",
        "line_total_paise",
        "gst_rate_bp",
        "hsn_code",
        "picked_quantity",
        "outcome",
        "refund_paise",
    )
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = OrderTransition
    fields = ("at", "from_status", "to_status", "reason")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = OrderRefund
    fields = ("at", "amount_paise", "status", "bank_reference", "reason")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "status",
        "payment_method",
        "total",
        "store_id",
        "slot_starts_at",
        "placed_at",
        "cancel_reason",
    )
    list_filter = (
        "status",
        "payment_method",
        "stock_state",
        "slot_state",
        "payment_state",
        "cancel_reason",
        "placed_at",
    )
    search_fields = ("=id", "=customer_id", "=store_id", "=slot_id", "razorpay_order_id", "tracking_code", "pincode")
    date_hierarchy = "placed_at"
    inlines = [LineInline, TransitionInline, RefundInline]
    readonly_fields = [f.name for f in Order._meta.fields]
    actions = ["cancel_orders"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkouts

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="order")
    def short_id(self, order: Order) -> str:
        return str(order.id)[:8]

    @admin.display(description="total", ordering="total_paise")
    def total(self, order: Order) -> str:
        return format_inr(order.total_paise)

    @admin.action(description="Cancel the selected orders (stock released, slot freed, payment refunded)")
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done, refused = 0, []
        for order in queryset:
            try:
                services.cancel_order(order_id=order.id, by_staff=True)
                done += 1
            except services.IllegalTransition as exc:
                refused.append(f"{str(order.id)[:8]}: {exc}")
        if done:
            self.message_user(request, f"Cancelled {done} order(s).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
