"""Staff screens: intents with their Razorpay ids and history, refunds, the webhook inbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html

from shop.adminkit import ReadOnlyAdmin, ReadOnlyInline, RupeesField, widen_search
from shop.money import format_inr

from . import gateway, services
from .errors import PaymentRefused
from .models import PaymentIntent, PaymentTransition, Refund, WebhookEvent


class TransitionInline(ReadOnlyInline):
    model = PaymentTransition
    fields = readonly_fields = ("at", "from_status", "to_status", "source", "razorpay_payment_id", "note")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = (
        "created_at",
        "amount",
        "reason",
        "status",
        "channel",
        "razorpay_refund_id",
        "bank_reference",
        "idempotency_key",
        "extra_payment_id",
    )

    @admin.display(description="amount")
    def amount(self, refund: Refund) -> str:
        return format_inr(refund.amount_paise)


class RefundForm(forms.Form):
    amount = RupeesField(
        label="Amount (₹)",
        min_rupees=Decimal("1.00"),
        help_text="In rupees, e.g. 12.50 (Razorpay refunds at least ₹1.00).",
    )
    reason = forms.CharField(max_length=200)
    # Rendered once with the form: a double submit carries the same key, so it is one refund.
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def refund(self) -> dict[str, Any]:
        """What the service takes: the amount in paise."""
        data = self.cleaned_data
        return {
            "amount_paise": data["amount"],
            "reason": data["reason"],
            "idempotency_key": data["idempotency_key"],
        }


class OfflineRefundForm(forms.Form):
    """A cash-on-delivery refund the store has paid: recorded, not sent anywhere."""

    amount = RupeesField(
        label="Amount (₹)", min_rupees=Decimal("1.00"), help_text="In rupees, e.g. 12.50 (at least ₹1.00)."
    )
    channel = forms.ChoiceField(
        label="Paid back by",
        choices=[(c.value, c.label) for c in services.OFFLINE_CHANNELS],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        max_length=60,
        required=False,
        help_text="The UPI or bank transfer's reference (UTR / RRN); for cash, a receipt number if any.",
    )
    reason = forms.CharField(max_length=200)
    # Rendered once with the form: a double submit carries the same key, so it is one refund.
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") in (Refund.Channel.UPI, Refund.Channel.BANK_TRANSFER) and not data.get("reference"):
            self.add_error("reference", "A UPI or bank transfer needs its reference (UTR / RRN).")
        return data

    def refund(self) -> dict[str, Any]:
        """What the service takes: the amount in paise."""
        data = self.cleaned_data
        return {
            "amount_paise": data["amount"],
            "channel": data["channel"],
            "reference": data["reference"],
            "reason": data["reason"],
            "idempotency_key": data["idempotency_key"],
        }


class CancelledFilter(admin.SimpleListFilter):
    title = "order cancelled"
    parameter_name = "cancelled"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[PaymentIntent]) -> QuerySet[PaymentIntent]:
        if self.value() == "yes":
            return queryset.exclude(cancelled_at=None)
        if self.value() == "no":
            return queryset.filter(cancelled_at=None)
        return queryset


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "method", "state", "amount", "refunded", "razorpay_order_id", "created_at"]
    list_filter = ["status", "method", CancelledFilter]
    search_fields = ["=order_id", "=razorpay_order_id", "=razorpay_payment_id", "=receipt"]
    # Money in rupees (the paise columns summed up in "money"), the order linked.
    readonly_fields = [
        "order",
        "money",
        *(f.name for f in PaymentIntent._meta.fields if not f.name.endswith("_paise") and f.name != "order_id"),
        "refund_link",
    ]
    inlines = [TransitionInline, RefundInline]
    actions = ["fetch_from_razorpay"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.readonly_fields)

    @admin.display(description="order")
    def order(self, intent: PaymentIntent) -> str:
        """The order's staff page (by URL name: orders is not imported)."""
        try:
            url = reverse("admin:orders_order_change", args=[intent.order_id])
        except NoReverseMatch:  # orders runs elsewhere
            return str(intent.order_id)
        return format_html('<a href="{}">{}</a>', url, intent.order_id)

    @admin.display(description="money")
    def money(self, intent: PaymentIntent) -> str:
        return (
            f"{format_inr(intent.amount_paise)} asked, {format_inr(intent.captured_paise)} captured, "
            f"{format_inr(intent.refunded_paise)} refunded or on its way"
        )

    search_help_text = (
        "The order's short id (8 characters, as in the orders list) or id, the customer's email, name or phone, "
        "a Razorpay order or payment id, or the receipt."
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PaymentIntent], search_term: str
    ) -> tuple[QuerySet[PaymentIntent], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        found = widen_search(found, queryset, search_term, short_id_field="order_id", customer_field="customer_id")
        return found, may_have_duplicates

    @admin.display(description="state", ordering="status")
    def state(self, intent: PaymentIntent) -> str:
        """The money's state; an order called off before any money came says so."""
        if intent.cancelled_at is not None and intent.captured_paise == 0:
            return "cancelled: nothing to collect" if intent.method == PaymentIntent.Method.COD else "cancelled: unpaid"
        return intent.status

    @admin.display(description="amount", ordering="amount_paise")
    def amount(self, intent: PaymentIntent) -> str:
        return format_inr(intent.amount_paise)

    @admin.display(description="refunded", ordering="refunded_paise")
    def refunded(self, intent: PaymentIntent) -> str:
        return format_inr(intent.refunded_paise)

    @admin.display(description="Refund")
    def refund_link(self, obj: PaymentIntent) -> str:
        if obj.method == PaymentIntent.Method.COD:
            if obj.captured_paise == 0:
                return (
                    "Cash on delivery: money goes back in cash, by UPI or bank transfer from the store, "
                    "recorded here once the cash was collected. Nothing was collected yet."
                )
            if obj.captured_paise <= obj.refunded_paise:
                return "All the cash collected has been refunded."
            url = reverse("admin:payments_paymentintent_offline_refund", args=[obj.pk])
            return format_html(
                '<a class="button" href="{}">Record a refund paid in cash / UPI / bank transfer</a>', url
            )
        if obj.captured_paise <= obj.refunded_paise:
            return "Nothing captured is left to refund."
        url = reverse("admin:payments_paymentintent_refund", args=[obj.pk])
        return format_html('<a class="button" href="{}">Refund part or all of this payment</a>', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.refund_view)
        offline = self.admin_site.admin_view(self.offline_refund_view)
        return [
            path("<uuid:pk>/refund/", view, name="payments_paymentintent_refund"),
            path("<uuid:pk>/offline-refund/", offline, name="payments_paymentintent_offline_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        intent = get_object_or_404(PaymentIntent, pk=pk)
        if not request.user.has_perm("payments.change_paymentintent"):
            return HttpResponse(status=403)
        if intent.method == PaymentIntent.Method.COD:  # Razorpay never had this money
            return HttpResponseRedirect(reverse("admin:payments_paymentintent_offline_refund", args=[intent.pk]))
        form = RefundForm(request.POST or None, initial={"idempotency_key": f"admin-{uuid.uuid4().hex}"})

        def said(refund: Refund) -> tuple[str, str]:
            amount = format_inr(refund.amount_paise)
            return f"Refunded {amount} ({refund.status}): {refund.reason}", f"Refund of {amount} is {refund.status}."

        done = self._submit_refund(request, intent, form, services.refund_payment, said)
        return done or self._refund_page(
            request, intent, form, "admin/payments/refund.html", title=f"Refund order {intent.order_id}"
        )

    def offline_refund_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        """Record a cash-on-delivery refund the store paid in cash, by UPI or bank transfer."""
        intent = get_object_or_404(PaymentIntent, pk=pk)
        if not request.user.has_perm("payments.change_paymentintent"):
            return HttpResponse(status=403)
        if intent.method != PaymentIntent.Method.COD:
            messages.error(request, "This order was paid through Razorpay: refund it with the Razorpay refund.")
            return HttpResponseRedirect(reverse("admin:payments_paymentintent_change", args=[intent.pk]))
        form = OfflineRefundForm(request.POST or None, initial={"idempotency_key": f"admin-{uuid.uuid4().hex}"})

        def said(refund: Refund) -> tuple[str, str]:
            amount, paid = format_inr(refund.amount_paise), Refund.Channel(refund.channel).label
            reference = f", reference {refund.bank_reference}" if refund.bank_reference else ""
            return (
                f"Recorded a refund of {amount} paid by {paid}{reference}: {refund.reason}",
                f"Refund of {amount} paid by {paid} is recorded.",
            )

        done = self._submit_refund(request, intent, form, services.record_offline_refund, said)
        return done or self._refund_page(
            request,
            intent,
            form,
            "admin/payments/offline_refund.html",
            title=f"Record a refund paid in cash / UPI / bank transfer for order {intent.order_id}",
            collected=format_inr(intent.captured_paise),
            refunded=format_inr(intent.refunded_paise),
        )

    def _submit_refund(
        self,
        request: HttpRequest,
        intent: PaymentIntent,
        form: RefundForm | OfflineRefundForm,
        service: Callable[..., Refund],
        said: Callable[[Refund], tuple[str, str]],
    ) -> HttpResponse | None:
        """Run the refund form's service once it is valid: the intent's page with a message and
        an entry in its history, or None (the form again, with the refusal on it)."""
        if request.method != "POST" or not form.is_valid():
            return None
        # A double submit carries the same key: the same refund, recorded in the history once.
        again = Refund.objects.filter(idempotency_key=form.cleaned_data["idempotency_key"]).exists()
        try:
            refund = service(order_id=intent.order_id, source="admin", **form.refund())
        except PaymentRefused as exc:
            form.add_error(None, exc.message)
            return None
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
            return None
        history, message = said(refund)
        if not again:
            self.log_change(request, intent, history)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:payments_paymentintent_change", args=[intent.pk]))

    def _refund_page(
        self, request: HttpRequest, intent: PaymentIntent, form: forms.Form, template: str, *, title: str, **extra: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intent": intent,
            "captured": format_inr(intent.captured_paise),
            "refundable": format_inr(intent.captured_paise - intent.refunded_paise),
            "form": form,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, template, context)

    @admin.action(description="Ask Razorpay about the selected intents now", permissions=["operate"])
    def fetch_from_razorpay(self, request: HttpRequest, queryset: QuerySet[PaymentIntent]) -> None:
        done = 0
        for intent in queryset.filter(method=PaymentIntent.Method.RAZORPAY).exclude(razorpay_order_id=None):
            try:
                for payment in gateway.order_payments(str(intent.razorpay_order_id)):
                    services.observe_payment(payment=payment, source="admin")
                done += 1
            except gateway.GatewayProblem as exc:
                messages.error(request, f"{intent.order_id}: {exc}")
            else:
                intent.refresh_from_db(fields=["status"])
                self.log_change(request, intent, f"Asked Razorpay about the payment: it is {intent.status}")
        messages.info(request, f"Checked {done} intent(s) with Razorpay.")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "amount", "status", "channel", "razorpay_refund_id", "bank_reference", "created_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["intent"]
    search_fields = ["=razorpay_refund_id", "=idempotency_key", "=intent__order_id"]
    search_help_text = "The order's short id (8 characters) or id, a Razorpay refund id, or the idempotency key."
    readonly_fields = [f.name for f in Refund._meta.fields]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Refund], search_term: str
    ) -> tuple[QuerySet[Refund], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) == 8:  # the order's short id, as the orders list shows it
            found = found | queryset.filter(intent__order_id__startswith=term.lower())
        return found, may_have_duplicates

    @admin.display(description="order", ordering="intent__order_id")
    def order(self, refund: Refund) -> str:
        """The order's short id, linked to the order's staff page (by URL name: no import of orders)."""
        short = str(refund.intent.order_id)[:8]
        try:
            return format_html(
                '<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[refund.intent.order_id]), short
            )
        except NoReverseMatch:
            return short

    @admin.display(description="amount", ordering="amount_paise")
    def amount(self, refund: Refund) -> str:
        return format_inr(refund.amount_paise)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event_type", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["=event_id"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
    actions = ["reprocess"]

    @admin.action(description="Process the selected events again", permissions=["operate"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        for event in queryset.exclude(status=WebhookEvent.Status.PROCESSED):
            try:
                processed = services.process_webhook(webhook_id=event.id)
            except Exception as exc:
                messages.error(request, f"{event.event_id}: {exc}")
            else:
                self.log_change(request, event, f"Processed the event again: {processed.status}")
        messages.info(request, "Done.")
