"""Staff screens for orders: lines, timeline, refunds; cancel action (each cancellation on the
order's admin history: who and why, also shown on the order's page); links to the order's
payment (and its refund page) and shipment in the payments and delivery screens."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from shop.accounts.selectors import get_contact
from shop.adminkit import ReadOnlyAdmin, ReadOnlyInline, widen_search
from shop.money import format_inr, grams_label

from . import selectors, services
from .models import Invoice, Order, OrderLine, OrderRefund, OrderTransition


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "name",
        "sku_id",
        "ordered",
        "unit_price",
        "line_total",
        "discount",
        "gst_rate",
        "hsn_code",
        "picked",
        "outcome",
        "refund",
        "if_out_of_stock",
    )
    readonly_fields = fields

    @admin.display(description="ordered")
    def ordered(self, line: OrderLine) -> str:
        """Packs ("x 2"), or grams for a line sold by weight ("1 kg")."""
        return _amount(line.quantity, by_weight=line.sold_by == "weight")

    @admin.display(description="picked")
    def picked(self, line: OrderLine) -> str:
        if line.picked_quantity is None:
            return "-"
        return _amount(line.picked_quantity, by_weight=line.sold_by == "weight")

    @admin.display(description="unit price")
    def unit_price(self, line: OrderLine) -> str:
        return f"{format_inr(line.unit_price_paise)} {'per kg' if line.sold_by == 'weight' else 'per pack'}"

    @admin.display(description="GST")
    def gst_rate(self, line: OrderLine) -> str:
        return f"{line.gst_rate_bp / 100:g} %"

    @admin.display(description="line total")
    def line_total(self, line: OrderLine) -> str:
        return format_inr(line.line_total_paise)

    @admin.display(description="coupon discount")
    def discount(self, line: OrderLine) -> str:
        return format_inr(line.discount_paise) if line.discount_paise else "-"

    @admin.display(description="refund")
    def refund(self, line: OrderLine) -> str:
        return format_inr(line.refund_paise) if line.refund_paise else "-"

    @admin.display(description="if out of stock")
    def if_out_of_stock(self, line: OrderLine) -> str:
        chosen = line.get_replacement_display()
        if line.offer_sku_id is None:
            return f"{chosen}: nothing fitted, refund" if line.replacement != "refund" else chosen
        offer = f"{chosen}: {line.offer_name} at {format_inr(line.offer_unit_price_paise or 0)}"
        if line.replaced_quantity:
            unit = " g" if line.sold_by == "weight" else ""
            offer += f"; replaced by {line.replaced_quantity}{unit} for {format_inr(line.replacement_paise)}"
        return offer


def _amount(quantity: int, *, by_weight: bool) -> str:
    return grams_label(quantity) if by_weight else f"x {quantity}"


class TransitionInline(ReadOnlyInline):
    model = OrderTransition
    fields = ("at", "from_status", "to_status", "reason")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = OrderRefund
    fields = ("at", "amount", "status", "bank_reference", "reason")
    readonly_fields = fields

    @admin.display(description="amount")
    def amount(self, refund: OrderRefund) -> str:
        return format_inr(refund.amount_paise)


class _ByIdFilter(admin.SimpleListFilter):
    """Orders whose `field` (another app's id) is the chosen one."""

    field = ""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


def _short(store_id: Any) -> str:
    return str(store_id)[:8]


class StoreFilter(_ByIdFilter):
    """The stores that have orders, by name (orders' projection of inventory's stores); a
    store not announced yet by its short id, after the named ones."""

    title = "store"
    parameter_name = "store"
    field = "store_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        stores = list(Order.objects.order_by("store_id").values_list("store_id", flat=True).distinct()[:50])
        labels = selectors.get_store_labels(store_ids=stores)
        named = sorted((labels[store_id], str(store_id)) for store_id in stores if store_id in labels)
        unnamed = [(_short(store_id), str(store_id)) for store_id in stores if store_id not in labels]
        return [(store_id, label) for label, store_id in [*named, *unnamed]]


class SlotFilter(_ByIdFilter):
    """The delivery slots that have orders, from today's on, earliest first (30 of them), of
    the store chosen in the store filter if one is; each "Wed 25 Nov 18:00 · BLR-HSR"."""

    title = "slot"
    parameter_name = "slot"
    field = "slot_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        orders = Order.objects.filter(slot_starts_at__gte=today)
        store = request.GET.get(StoreFilter.parameter_name)
        if store:
            with contextlib.suppress(ValueError):  # the store filter refuses a bad id itself
                orders = orders.filter(store_id=uuid.UUID(store))
        days_slots = orders.values_list("slot_id", "slot_starts_at", "store_id").order_by("slot_starts_at", "slot_id")
        slots = [(slot, starts, store_id) for slot, starts, store_id in days_slots.distinct()[:30] if starts]
        labels = selectors.get_store_labels(store_ids=list({store_id for _, _, store_id in slots}))

        def label(starts: datetime, store_id: uuid.UUID) -> str:
            where = labels.get(store_id, _short(store_id)).split(" · ")[0]
            return f"{timezone.localtime(starts):%a %d %b %H:%M} · {where}"

        return [(str(slot), label(starts, store_id)) for slot, starts, store_id in slots]


class DeliveryDayFilter(admin.SimpleListFilter):
    """The day of the delivery slot (India's time): what a store works through."""

    title = "delivery day"
    parameter_name = "delivery_day"
    DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yesterday", "Yesterday"), ("today", "Today"), ("tomorrow", "Tomorrow"), ("week", "Next 7 days")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        value = self.value()
        if not value:
            return queryset
        today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        if value == "week":
            return queryset.filter(slot_starts_at__gte=today, slot_starts_at__lt=today + timedelta(days=7))
        if value not in self.DAYS:
            return queryset
        start = today + timedelta(days=self.DAYS[value])
        return queryset.filter(slot_starts_at__gte=start, slot_starts_at__lt=start + timedelta(days=1))


def _admin_link(name: str, object_id: Any, label: str) -> str:
    """A link to another app's staff screen, by URL name (no import of that app)."""
    try:
        url = reverse(name, args=[object_id])
    except NoReverseMatch:  # that app is not installed here (an extracted service)
        return label
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "short_id",
        "status",
        "payment_method",
        "total",
        "store",
        "slot_starts_at",
        "placed_at",
        "cancel_reason",
    )
    list_filter = (
        "status",
        StoreFilter,
        DeliveryDayFilter,
        SlotFilter,
        "payment_method",
        "stock_state",
        "slot_state",
        "payment_state",
        "cancel_reason",
        "placed_at",
    )
    search_fields = ("=id", "=customer_id", "=store_id", "=slot_id", "razorpay_order_id", "tracking_code", "pincode")
    search_help_text = (
        "The short id shown in the list (8 characters), a customer's email, name or phone, a store's code "
        "(or its start), an order, customer, store or slot id, a Razorpay order id, a tracking code or a pincode."
    )
    date_hierarchy = "placed_at"
    inlines = [LineInline, TransitionInline, RefundInline]
    # The store's name next to its id (the id stays: other apps' screens search by it).
    # Who and where first, money in rupees, then the record (the store's name next to its id:
    # other apps' screens search by the id). Paise columns and the address JSON are summed up
    # above in words instead.
    readonly_fields = [
        "customer",
        "delivery_address",
        "money",
        "payment",
        "shipment",
        "tax_documents",
        *(
            name
            for f in Order._meta.fields
            if not f.name.endswith("_paise") and f.name != "address"
            for name in (("store", f.name) if f.name == "store_id" else (f.name,))
        ),
    ]
    actions = ["cancel_orders"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.readonly_fields)  # only these, in this order (not every model field again)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        # The store's name comes with each row (a subquery on the projection's primary key):
        # the changelist page costs no query per order, and the column sorts by it.
        return super().get_queryset(request).annotate(store_label=selectors.store_label_of_order())

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        """Also the short id staff read in the list and on the customer's page, and the
        customer by email, name or phone (the accounts kernel's users)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lower()
        # Store codes are slugs: "blr-hsr" (or its start) finds the store's orders.
        stores = Q(store_id__in=selectors.find_store_ids(code_prefix=term)) if term and " " not in term else None
        found = widen_search(
            found, queryset, search_term, short_id_field="id", customer_field="customer_id", extra=stores
        )
        return found, may_have_duplicates

    @admin.display(description="order")
    def short_id(self, order: Order) -> str:
        return str(order.id)[:8]

    @admin.display(description="store", ordering="store_label")
    def store(self, order: Order) -> str:
        """The store as "CODE · Title" (orders' projection); its short id until inventory announces it."""
        return getattr(order, "store_label", None) or _short(order.store_id)

    @admin.display(description="total", ordering=F("total_paise") - F("adjustment_paise"))
    def total(self, order: Order) -> str:
        """What the customer pays in the end: the checkout's total less what picking gave back."""
        return format_inr(order.final_total_paise)

    @admin.display(description="payment")
    def payment(self, order: Order) -> str:
        """Its state, the intent in the payments screens, and the page that refunds it."""
        if order.payment_intent_id is None:  # cash on delivery: payments keeps its record by the order's id
            state = f"{order.get_payment_method_display()}: {order.get_payment_state_display()}"
            try:
                url = f"{reverse('admin:payments_paymentintent_changelist')}?q={order.id}"
            except NoReverseMatch:
                return state
            return format_html('{} · <a href="{}">payment record (cash refunds)</a>', state, url)
        links = [
            _admin_link("admin:payments_paymentintent_change", order.payment_intent_id, "payment intent"),
            _admin_link("admin:payments_paymentintent_refund", order.payment_intent_id, "refund part or all"),
        ]
        failed = order.payment_attempts_failed
        plural = "s" if failed > 1 else ""
        attempts = f"; {failed} failed attempt{plural}, last: {order.payment_error}" if failed else ""
        return format_html(
            "{}: {} (paid {}, refunded {}{}) · {}",
            order.get_payment_method_display(),
            order.get_payment_state_display(),
            format_inr(order.paid_paise),
            format_inr(order.refunded_paise),
            attempts,
            format_html_join(" · ", "{}", ((link,) for link in links)),
        )

    @admin.display(description="customer")
    def customer(self, order: Order) -> str:
        """Name, email and phone, linked to the account (the accounts kernel's user)."""
        user = get_contact(user_id=order.customer_id, include_inactive=True)
        if user is None:
            return f"unknown account {order.customer_id}"
        label = " · ".join(part for part in (user.full_name, user.email, str(user.phone or "")) if part)
        if not user.is_active:
            label += " (account deactivated)"
        return _admin_link("admin:accounts_user_change", user.pk, label)

    @admin.display(description="deliver to")
    def delivery_address(self, order: Order) -> str:
        a = order.address
        lines = [a.get("name", ""), a.get("line1", ""), a.get("line2", ""), a.get("landmark", "")]
        place = f"{a.get('city', '')}, {a.get('state', '')} {a.get('pincode', order.pincode)}"
        phone = f"phone {a['phone']}" if a.get("phone") else "no phone given"
        return " · ".join(part for part in [*lines, place, phone] if part)

    @admin.display(description="money")
    def money(self, order: Order) -> str:
        fees = [
            ("delivery fee", order.delivery_fee_paise),
            ("small cart fee", order.small_cart_fee_paise),
            ("late night fee", order.late_night_fee_paise),
            ("express fee", order.express_fee_paise),
        ]
        text = f"items (GST incl.) {format_inr(order.subtotal_paise)}"
        if order.discount_paise:  # shared out over the lines (each line's share below)
            text += f" - coupon {order.coupon_code} {format_inr(order.discount_paise)}"
        text += "".join(f" + {label} {format_inr(paise)}" for label, paise in fees if paise)
        text += f" = {format_inr(order.total_paise)} (GST {format_inr(order.tax_paise)}"
        text += f", saved {format_inr(order.savings_paise)} on MRP)" if order.savings_paise else ")"
        if order.adjustment_paise:
            text += f"; less {format_inr(order.adjustment_paise)} after picking = {format_inr(order.final_total_paise)}"
        return f"{text}; paid {format_inr(order.paid_paise)}, refunded {format_inr(order.refunded_paise)}"

    @admin.display(description="invoice and credit notes")
    def tax_documents(self, order: Order) -> str:
        invoice = Invoice.objects.filter(order=order).prefetch_related("credit_notes").first()
        if invoice is None:
            return "not invoiced (issued at delivery)"
        notes = [f"credit note {n.serial}: {format_inr(n.total_paise)}" for n in invoice.credit_notes.all()]
        page = reverse("order-invoice", args=[order.id])
        return format_html(
            '<a href="{}">invoice {}</a>: {} (<a href="{}?download=1">download</a>){}',
            page,
            invoice.serial,
            format_inr(invoice.total_paise),
            page,
            "".join(f" · {note}" for note in notes),
        )

    @admin.display(description="shipment")
    def shipment(self, order: Order) -> str:
        if order.shipment_id is None:
            return "not yet opened"
        return _admin_link("admin:delivery_shipment_change", order.shipment_id, order.tracking_code or "shipment")

    @admin.action(
        description="Cancel the selected orders (stock released, slot freed, payment refunded)…",
        permissions=["operate"],
    )
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> HttpResponse | None:
        """First a page that lists what will happen and asks why; the cancellation on its confirmation."""
        return self._cancel(request, list(queryset.order_by("placed_at")), action=True)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.cancel_view)
        return [path("<uuid:pk>/cancel/", view, name="orders_order_cancel"), *super().get_urls()]

    def cancel_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        """The change page's "Cancel order…": the same confirmation for one order."""
        order = get_object_or_404(Order, pk=pk)
        if not self.has_operate_permission(request):
            raise PermissionDenied
        response = self._cancel(request, [order], action=False)
        return response or HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        order = self.get_object(request, object_id)
        extra: dict[str, Any] = {"cancel_url": "", "staff_actions": []}
        if order is not None and order.status in services.STAFF_CANCELLABLE and self.has_operate_permission(request):
            extra["cancel_url"] = reverse("admin:orders_order_cancel", args=[order.pk])
        if order is not None:
            extra["staff_actions"] = _staff_actions(order)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _cancel(self, request: HttpRequest, orders: list[Order], *, action: bool) -> HttpResponse | None:
        form = CancelForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            done, refused = 0, []
            note = " ".join(form.cleaned_data["note"].split())  # as the timeline keeps it
            for order in orders:
                if order.status == Order.Status.CANCELLED:  # by someone else since the page was shown
                    refused.append(f"{str(order.id)[:8]}: already cancelled.")
                    continue
                try:
                    cancelled = services.cancel_order(order_id=order.id, by_staff=True, note=note)
                except services.IllegalTransition as exc:  # moved on since the page was shown
                    refused.append(f"{str(order.id)[:8]}: {exc}")
                    continue
                done += 1
                # Who cancelled: the order's History page and the admin's "Recent actions".
                self.log_change(request, cancelled, f"Cancelled the order: {note}")
            if done:
                self.message_user(
                    request,
                    f"Cancelled {done} order(s): stock, slot and payment are being given back.",
                    messages.SUCCESS,
                )
            for reason in refused:
                self.message_user(request, reason, messages.WARNING)
            return None
        rows = [
            {"order": order, "total": format_inr(order.final_total_paise), **_cancel_consequences(order)}
            for order in orders
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel orders?" if len(orders) > 1 else f"Cancel order {str(orders[0].id)[:8]}?",
            "opts": self.model._meta,
            "rows": rows,
            "cancellable": [row["order"] for row in rows if row["ok"]],
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/cancel_confirmation.html", context)


class CancelForm(forms.Form):
    note = forms.CharField(
        label="Why, in a sentence the customer will read",
        max_length=180,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text='Shown on the customer\'s order page after "cancelled by the shop" and kept on the timeline.',
    )


def _staff_actions(order: Order, *, limit: int = 20) -> list[LogEntry]:
    """What staff did to the order in the admin (who cancelled it, and why), the latest first."""
    return list(
        LogEntry.objects.filter(content_type=get_content_type_for_model(order), object_id=str(order.pk))
        .select_related("user")
        .order_by("-action_time")[:limit]
    )


def _cancel_consequences(order: Order) -> dict[str, Any]:
    """Whether staff may cancel the order now (ok), and what the cancellation will set going (text)."""
    if order.status == Order.Status.OUT_FOR_DELIVERY:
        return {
            "ok": False,
            "text": "Not cancelled: it is out for delivery. Record the failed attempt and return it to the store "
            "(delivery's shipment page): the return cancels the order and gives everything back.",
        }
    if order.status not in services.STAFF_CANCELLABLE:
        return {"ok": False, "text": f"Not cancelled: it is {order.get_status_display().lower()}."}
    refundable = format_inr(order.paid_paise - order.refunded_paise)
    money: str = {
        Order.PaymentState.CAPTURED.value: f"{refundable} refunded to the customer",
        Order.PaymentState.REQUESTED.value: "the pending payment called off",
    }.get(str(order.payment_state), "no payment to give back")
    if order.payment_method == Order.PaymentMethod.COD:
        money = "no cash to collect"
    stock = (
        "the picked goods stay off the shelf until someone puts them back (inventory's Receive stock)"
        if order.stock_state == Order.StockState.COMMITTED
        else "stock released"
    )
    steps = [stock, "slot freed", money]
    if order.shipment_id is not None:
        steps.append("the shipment stopped")
    return {"ok": True, "text": "; ".join(steps).capitalize() + "."}
