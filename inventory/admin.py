"""Staff screens: stores, stock per store (receive, adjust, thresholds), batches, reservations, the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from shop.adminkit import ReadOnlyAdmin

from . import selectors, services
from .errors import InventoryError
from .models import Batch, Movement, Reservation, Sku, Stock, Store
from .services.stores import STORE_FIELDS


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "city", "pincode", "is_open")
    list_filter = ("is_open", "city")
    search_fields = ("code", "title", "pincode")

    def save_model(self, request: HttpRequest, obj: Store, form: Any, change: bool) -> None:
        # Through the services, so StoreUpdated is published with the change.
        values = {field: getattr(obj, field) for field in STORE_FIELDS}
        if change:
            services.update_store(store_id=obj.pk, **values)
        else:
            services.create_store(store_id=obj.pk, **values)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Sku)
class SkuAdmin(ReadOnlyAdmin):
    list_display = ("name", "sku_code", "base_unit", "step", "min_life_on_delivery_days", "storage", "is_active")
    list_filter = ("is_active", "storage", "base_unit")
    search_fields = ("name", "sku_code")


class LowStockFilter(admin.SimpleListFilter):
    title = "low stock"
    parameter_name = "low"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "At or below threshold"), ("out", "Out of stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Stock]) -> QuerySet[Stock]:
        if self.value() == "yes":
            return selectors.list_low_stock(queryset)
        if self.value() == "out":
            return queryset.filter(available=0)
        return queryset


class BatchInline(admin.TabularInline):
    model = Batch
    extra = 0
    fields = ("code", "expires_on", "received_at", "received_quantity", "quantity", "written_off_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReceiveForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1, max_value=services.MAX_QUANTITY_PER_MOVE, help_text="In the SKU's base unit (pcs or g)"
    )
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    batch_code = forms.CharField(required=False, max_length=64)


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        min_value=-services.MAX_QUANTITY_PER_MOVE,
        max_value=services.MAX_QUANTITY_PER_MOVE,
        help_text="Positive: found; negative: damaged, lost (taken first expiry first)",
    )
    reason = forms.CharField(max_length=200)


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        min_value=0, max_value=services.MAX_QUANTITY_PER_MOVE, help_text="0 turns the alert off"
    )


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("sku", "store", "on_hand", "reserved", "available", "low_stock_threshold", "in_stock")
    list_filter = ("store", LowStockFilter, "sku__storage")
    search_fields = ("sku__name", "sku__sku_code")
    list_select_related = ("store", "sku")
    inlines = [BatchInline]
    actions = ["receive_stock", "adjust_stock", "set_threshold"]

    @admin.display(boolean=True)
    def in_stock(self, stock: Stock) -> bool:
        return stock.in_stock

    def _form_action(
        self,
        request: HttpRequest,
        queryset: QuerySet[Stock],
        form_class: type[forms.Form],
        title: str,
        apply: Callable[[Stock, dict[str, Any], HttpRequest], str],
    ) -> HttpResponse | None:
        """The form first; on "apply", `apply` runs the service for each row and says in words what it
        did, which goes on the row's admin history (refusals are shown, not logged)."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for stock in queryset:
                try:
                    what = apply(stock, form.cleaned_data, request)
                except InventoryError as exc:
                    self.message_user(request, f"{stock.sku}: {exc.message}", messages.ERROR)
                    continue
                done += 1
                self.log_change(request, stock, what)  # who did it: the stock's History, "Recent actions"
            self.message_user(
                request, f"{title}: {done} stock row(s) done.", messages.SUCCESS if done else messages.WARNING
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "stocks": queryset,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "inventory/admin/stock_action.html", context)

    @admin.action(description="Receive stock (goods receipt)…", permissions=["operate"])
    def receive_stock(self, request: HttpRequest, queryset: QuerySet[Stock]) -> HttpResponse | None:
        def apply(stock: Stock, data: dict[str, Any], request: HttpRequest) -> str:
            batch = services.receive_stock(
                store_id=stock.store_id,
                sku_id=stock.sku_id,
                quantity=data["quantity"],
                expires_on=data["expires_on"],
                batch_code=data["batch_code"],
                user_id=request.user.pk,
            )
            expiry = f"expires {batch.expires_on:%d %b %Y}" if batch.expires_on else "no expiry"
            return f"Received {data['quantity']} {stock.sku.base_unit} in batch {batch.code} ({expiry})"

        return self._form_action(request, queryset, ReceiveForm, "Receive stock", apply)

    @admin.action(description="Adjust stock with a reason…", permissions=["operate"])
    def adjust_stock(self, request: HttpRequest, queryset: QuerySet[Stock]) -> HttpResponse | None:
        def apply(stock: Stock, data: dict[str, Any], request: HttpRequest) -> str:
            services.adjust_stock(
                store_id=stock.store_id,
                sku_id=stock.sku_id,
                delta=data["delta"],
                reason=data["reason"],
                user_id=request.user.pk,
            )
            return f"Adjusted the stock by {data['delta']:+d} {stock.sku.base_unit}: {data['reason'].strip()}"

        return self._form_action(request, queryset, AdjustForm, "Adjust stock", apply)

    @admin.action(description="Set the low-stock threshold…", permissions=["operate"])
    def set_threshold(self, request: HttpRequest, queryset: QuerySet[Stock]) -> HttpResponse | None:
        def apply(stock: Stock, data: dict[str, Any], request: HttpRequest) -> str:
            threshold = data["threshold"]
            services.set_low_stock_threshold(store_id=stock.store_id, sku_id=stock.sku_id, threshold=threshold)
            if not threshold:
                return "Turned the low-stock alert off (threshold 0)"
            return f"Set the low-stock threshold to {threshold} {stock.sku.base_unit}"

        return self._form_action(request, queryset, ThresholdForm, "Set low-stock threshold", apply)


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("near", f"Expires within {selectors.NEAR_EXPIRY_DAYS} days"), ("expired", "Expired, not written off")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Batch]) -> QuerySet[Batch]:
        today = timezone.localdate()
        if self.value() == "near":
            return queryset.filter(
                quantity__gt=0,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=selectors.NEAR_EXPIRY_DAYS),
            )
        if self.value() == "expired":
            return queryset.filter(quantity__gt=0, expires_on__lt=today)
        return queryset


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("code", "sku_name", "store_code", "expires_on", "quantity", "received_quantity", "received_at")
    list_filter = (ExpiryFilter, "stock__store")
    search_fields = ("code", "stock__sku__name")
    list_select_related = ("stock__store", "stock__sku")
    ordering = (F("expires_on").asc(nulls_last=True), "received_at")

    @admin.display(description="SKU")
    def sku_name(self, batch: Batch) -> str:
        return batch.stock.sku.name

    @admin.display(description="store")
    def store_code(self, batch: Batch) -> str:
        return batch.stock.store.code


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    """Read only. A reservation ends with its order (OrderCancelled releases it, picking commits it, the
    TTL sweep expires it): releasing one here put a live order's stock back on sale, and that order could
    then never be confirmed although its payment was captured."""

    list_display = ("order_id", "store", "status", "expires_at", "created_at", "closed_at", "close_reason")
    list_filter = ("status", "store")
    search_fields = ("=order_id",)


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "store", "sku_id", "on_hand_delta", "reserved_delta", "order_id", "reason")
    list_filter = ("kind", "store")
    search_fields = ("=order_id", "=sku_id", "reason")
    date_hierarchy = "created_at"
