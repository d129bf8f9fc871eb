"""Staff screens: stores, stock per store (receive, adjust, thresholds), batches, reservations, the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from shop.adminkit import ReadOnlyAdmin

from . import selectors, services
from .errors import InvalidStockRequest, InventoryError
from .models import Batch, Movement, Reservation, Sku, Stock, Store
from .services.stores import STORE_FIELDS


def quantity_text(quantity: int, base_unit: str, *, signed: bool = False) -> str:
    """A stock quantity as staff count it: "12 packs", "750 g", "7.25 kg" (grams to the gram);
    `signed` for a change: "+2 packs", "-250 g"."""
    sign = ("+" if quantity > 0 else "-" if quantity < 0 else "") if signed else ("-" if quantity < 0 else "")
    amount = abs(quantity)
    if base_unit == "g":
        if amount >= 1000:
            kilos = format((Decimal(amount) / 1000).normalize(), "f")
            return f"{sign}{kilos} kg"
        return f"{sign}{amount} g"
    return f"{sign}{amount:,} {'pack' if amount == 1 else 'packs'}"


def stock_label(stock: Stock) -> str:
    """ "Baby Potato 250 g (POT-250) at blr-hsr (HSR Layout)": what staff read for a stock row."""
    return f"{stock.sku.name} ({stock.sku.sku_code}) at {stock.store.code} ({stock.store.title})"


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
    """The batches still on the shelf, first to expire first (empty and written-off ones are in
    the batches list)."""

    model = Batch
    extra = 0
    verbose_name_plural = "batches on the shelf (first to expire first)"
    fields = ("code", "expires_on", "expires_in", "left", "received", "received_at")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Batch]:
        return super().get_queryset(request).select_related("stock__sku").filter(quantity__gt=0)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Who may see a stock row sees what it is made of (staff given stock, not batch, permissions).
        user = request.user
        return bool(
            user.has_perm("inventory.view_stock")
            or user.has_perm("inventory.change_stock")
            or super().has_view_permission(request, obj)
        )

    @admin.display(description="left")
    def left(self, batch: Batch) -> str:
        return quantity_text(batch.quantity, batch.stock.sku.base_unit)

    @admin.display(description="received")
    def received(self, batch: Batch) -> str:
        return quantity_text(batch.received_quantity, batch.stock.sku.base_unit)

    @admin.display(description="expires")
    def expires_in(self, batch: Batch) -> str:
        return expires_in_text(batch)


def expires_in_text(batch: Batch) -> str:
    """ "in 3 days", "today", "2 days ago", "never"."""
    if batch.expires_on is None:
        return "never"
    days = (batch.expires_on - timezone.localdate()).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


QUANTITY_HELP = "Packs, or grams for a SKU sold by weight (7.25 kg: 7250)"


class ReceiveForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=services.MAX_QUANTITY_PER_MOVE, help_text=QUANTITY_HELP)
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date on the pack; required for a SKU with a shelf life",
    )
    batch_code = forms.CharField(required=False, max_length=64)


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Change (+ or -)",
        min_value=-services.MAX_QUANTITY_PER_MOVE,
        max_value=services.MAX_QUANTITY_PER_MOVE,
        help_text=(
            f"{QUANTITY_HELP}. Negative: damaged, lost (taken first expiry first). Positive: found in a count, "
            "booked as a new batch with the expiry below. Goods coming back to the shelf (a returned shipment) go "
            'in with "Receive stock", with their batch\'s expiry.'
        ),
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Positive change only: the found goods' expiry date; required for a SKU with a shelf life",
    )
    reason = forms.CharField(max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("expires_on") and (data.get("delta") or 0) < 0:
            self.add_error("expires_on", "Only goods added (a positive change) get an expiry; leave it empty.")
        return data


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        min_value=0,
        max_value=services.MAX_QUANTITY_PER_MOVE,
        help_text=f"{QUANTITY_HELP}; 0 turns the alert off",
    )


def _needs_expiry(stock: Stock, expires_on: Any) -> None:
    """A SKU that keeps only so long never goes on the shelf in a batch that "expires never": it
    would be sold past its date and skip first-expiry-first-out."""
    if expires_on is None and stock.sku.shelf_life_days:
        raise InvalidStockRequest(
            f"it keeps {stock.sku.shelf_life_days} days: give the batch's expiry date.",
            fields={"expires_on": ["required for a SKU with a shelf life"]},
        )


#: The operations of a stock row: the list's actions, and the stock page's buttons (same forms, same code).
STOCK_OPERATIONS = {"receive": "receive_stock", "adjust": "adjust_stock", "threshold": "set_threshold"}


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("sku", "store", "on_hand_text", "reserved_text", "available_text", "threshold_text", "in_stock")
    list_filter = ("store", LowStockFilter, "sku__storage")
    search_fields = ("sku__name", "sku__sku_code")
    list_select_related = ("store", "sku")
    fields = ("sku", "store", "on_hand_text", "reserved_text", "available_text", "threshold_text", "in_stock")
    readonly_fields = fields
    inlines = [BatchInline]
    actions = ["receive_stock", "adjust_stock", "set_threshold"]
    change_form_template = "inventory/admin/stock_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stock]:
        # The stock page's title and breadcrumbs name the SKU and the store, not their ids.
        return super().get_queryset(request).select_related("store", "sku")

    @admin.display(boolean=True)
    def in_stock(self, stock: Stock) -> bool:
        return stock.in_stock

    @admin.display(description="on hand", ordering="on_hand")
    def on_hand_text(self, stock: Stock) -> str:
        return quantity_text(stock.on_hand, stock.sku.base_unit)

    @admin.display(description="reserved", ordering="reserved")
    def reserved_text(self, stock: Stock) -> str:
        return quantity_text(stock.reserved, stock.sku.base_unit)

    @admin.display(description="available", ordering="available")
    def available_text(self, stock: Stock) -> str:
        return quantity_text(stock.available, stock.sku.base_unit)

    @admin.display(description="low-stock threshold", ordering="low_stock_threshold")
    def threshold_text(self, stock: Stock) -> str:
        if not stock.low_stock_threshold:
            return "off"
        return quantity_text(stock.low_stock_threshold, stock.sku.base_unit)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The stock page: titled by the SKU and the store, with the list actions' operations for this row."""
        stock = self.get_object(request, object_id)
        if stock is not None:
            extra_context = {
                **(extra_context or {}),
                "title": stock_label(stock),
                "subtitle": None,
                "can_operate": self.has_operate_permission(request),
                "operation_urls": {
                    name: reverse(f"admin:inventory_stock_{name}", args=[stock.pk]) for name in STOCK_OPERATIONS
                },
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(self.operate_view),
                {"operation": name},
                name=f"inventory_stock_{name}",
            )
            for name in STOCK_OPERATIONS
        ]
        return own + super().get_urls()

    def operate_view(self, request: HttpRequest, object_id: str, operation: str) -> HttpResponse:
        """Receive, adjust or set the threshold of one stock row from its page: the list action's
        form and code, back to the stock page when done."""
        if not self.has_operate_permission(request):
            raise PermissionDenied
        stock = self.get_object(request, object_id)
        if stock is None:
            raise Http404("No such stock row.")
        action = getattr(self, STOCK_OPERATIONS[operation])
        response: HttpResponse | None = action(request, self.get_queryset(request).filter(pk=stock.pk))
        if response is not None:
            return response
        return HttpResponseRedirect(reverse("admin:inventory_stock_change", args=[stock.pk]))

    def _form_action(
        self,
        request: HttpRequest,
        queryset: QuerySet[Stock],
        form_class: type[forms.Form],
        title: str,
        apply: Callable[[Stock, dict[str, Any], HttpRequest], str],
    ) -> HttpResponse | None:
        """The form first; on "apply", `apply` runs the service for each row and says in words what it
        did, which goes on the row's admin history (refusals are shown, not logged); the success
        message gives each row's new figures."""
        form = form_class(request.POST if "apply" in request.POST else None)
        stocks = list(queryset.select_related("store", "sku"))
        if form.is_valid():
            done: list[Stock] = []
            for stock in stocks:
                try:
                    what = apply(stock, form.cleaned_data, request)
                except InventoryError as exc:
                    self.message_user(request, f"{stock_label(stock)}: {exc.message}", messages.ERROR)
                    continue
                done.append(stock)
                self.log_change(request, stock, what)  # who did it: the stock's History, "Recent actions"
            self.message_user(request, self._done_message(title, done), messages.SUCCESS if done else messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "rows": [
                (
                    stock,
                    f"{stock_label(stock)}: on hand {quantity_text(stock.on_hand, stock.sku.base_unit)}, "
                    f"reserved {quantity_text(stock.reserved, stock.sku.base_unit)}, "
                    f"available {quantity_text(stock.available, stock.sku.base_unit)}",
                )
                for stock in stocks
            ],
            "action": request.POST.get("action", ""),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "inventory/admin/stock_action.html", context)

    @staticmethod
    def _done_message(title: str, done: list[Stock], shown: int = 10) -> str:
        """ "Receive stock: 1 stock row(s) done. Baby Potato (POT) at blr-hsr (HSR): on hand now 7.25 kg,
        7 kg available.": the figures read again after the change (one query)."""
        text = f"{title}: {len(done)} stock row(s) done."
        if not done:
            return text
        fresh = Stock.objects.select_related("store", "sku").in_bulk([stock.pk for stock in done[:shown]])
        figures = [
            f"{stock_label(stock)}: on hand now {quantity_text(stock.on_hand, stock.sku.base_unit)}, "
            f"{quantity_text(stock.available, stock.sku.base_unit)} available"
            for stock in (fresh[row.pk] for row in done[:shown] if row.pk in fresh)
        ]
        more = f" And {len(done) - shown} more." if len(done) > shown else ""
        return f"{text} {'; '.join(figures)}.{more}"

    @admin.action(description="Receive stock (goods receipt)…", permissions=["operate"])
    def receive_stock(self, request: HttpRequest, queryset: QuerySet[Stock]) -> HttpResponse | None:
        def apply(stock: Stock, data: dict[str, Any], request: HttpRequest) -> str:
            _needs_expiry(stock, data["expires_on"])
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
            expires_on = data["expires_on"] if data["delta"] > 0 else None
            if data["delta"] > 0:
                _needs_expiry(stock, expires_on)
            services.adjust_stock(
                store_id=stock.store_id,
                sku_id=stock.sku_id,
                delta=data["delta"],
                reason=data["reason"],
                expires_on=expires_on,
                user_id=request.user.pk,
            )
            what = f"Adjusted the stock by {data['delta']:+d} {stock.sku.base_unit}: {data['reason'].strip()}"
            return f"{what} (expires {expires_on:%d %b %Y})" if expires_on else what

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
    """Batches with stock left by how soon they expire: today, within 3 (`near`), 7 or 14 days, within
    the near-expiry email's INVENTORY_NEAR_EXPIRY_DAYS (that email links `?expiry=<days>`: any whole
    number of days up to a year works), or already expired and not yet written off (the sweep takes
    them, or they wait for a reservation)."""

    title = "expiry"
    parameter_name = "expiry"
    WITHIN_DAYS = {"today": 0, "near": selectors.NEAR_EXPIRY_DAYS, "7": 7, "14": 14}
    MAX_DAYS = 366

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        within = dict(self.WITHIN_DAYS)
        alert_days = services.near_expiry_days()
        if alert_days not in within.values():
            within[str(alert_days)] = alert_days
        return [
            *(
                (value, "Expires today" if days == 0 else f"Expires within {days} days")
                for value, days in sorted(within.items(), key=lambda item: item[1])
            ),
            ("expired", "Expired, not written off"),
        ]

    def _within_days(self, value: str | None) -> int | None:
        if value in self.WITHIN_DAYS:
            return self.WITHIN_DAYS[value]
        if value and value.isdigit() and int(value) <= self.MAX_DAYS:
            return int(value)
        return None

    def queryset(self, request: HttpRequest, queryset: QuerySet[Batch]) -> QuerySet[Batch]:
        today = timezone.localdate()
        value = self.value()
        days = self._within_days(value)
        if days is not None:
            return queryset.filter(
                quantity__gt=0,
                expires_on__gte=today,
                expires_on__lte=today + timedelta(days=days),
            )
        if value == "expired":
            return queryset.filter(quantity__gt=0, expires_on__lt=today)
        return queryset


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("code", "sku_name", "store_code", "expires_on", "expires_in", "left", "received", "received_at")
    list_filter = (ExpiryFilter, "stock__store")
    search_fields = ("code", "stock__sku__name", "stock__sku__sku_code")
    list_select_related = ("stock__store", "stock__sku")
    ordering = (F("expires_on").asc(nulls_last=True), "received_at")

    @admin.display(description="SKU")
    def sku_name(self, batch: Batch) -> str:
        return f"{batch.stock.sku.name} ({batch.stock.sku.sku_code})"

    @admin.display(description="store")
    def store_code(self, batch: Batch) -> str:
        return batch.stock.store.code

    @admin.display(description="expires")
    def expires_in(self, batch: Batch) -> str:
        return expires_in_text(batch)

    @admin.display(description="left", ordering="quantity")
    def left(self, batch: Batch) -> str:
        return quantity_text(batch.quantity, batch.stock.sku.base_unit)

    @admin.display(description="received", ordering="received_quantity")
    def received(self, batch: Batch) -> str:
        return quantity_text(batch.received_quantity, batch.stock.sku.base_unit)


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
    list_display = ("created_at", "kind", "store", "sku", "on_hand_change", "reserved_change", "order_id", "reason")
    list_filter = ("kind", "store")
    search_fields = ("=order_id", "=sku_id", "stock__sku__name", "stock__sku__sku_code", "reason")
    # The movement's SKU is its stock's: one join, not a query per row.
    list_select_related = ("store", "stock__sku")
    date_hierarchy = "created_at"

    @admin.display(description="SKU")
    def sku(self, movement: Movement) -> str:
        return f"{movement.stock.sku.name} ({movement.stock.sku.sku_code})"

    @admin.display(description="on hand", ordering="on_hand_delta")
    def on_hand_change(self, movement: Movement) -> str:
        return quantity_text(movement.on_hand_delta, movement.stock.sku.base_unit, signed=True)

    @admin.display(description="reserved", ordering="reserved_delta")
    def reserved_change(self, movement: Movement) -> str:
        return quantity_text(movement.reserved_delta, movement.stock.sku.base_unit, signed=True)
