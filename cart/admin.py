"""Staff keep the coupons: codes, kinds, limits, validity; and see who used them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from shop.adminkit import ReadOnlyInline, RupeesInForms, rupees_or_dash
from shop.money import format_inr

from .models import Coupon, CouponRedemption


class CouponForm(forms.ModelForm):
    #: Staff type a percentage ("10", "12.5"); the coupon keeps basis points.
    percent = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        decimal_places=2,
        label="Percent off",
        help_text="For a percentage coupon: e.g. 10 or 12.5 (leave empty for the other kinds).",
    )

    class Meta:
        model = Coupon
        fields = (
            "code", "description", "kind", "percent", "amount_paise", "max_discount_paise", "min_subtotal_paise",
            "valid_from", "valid_until", "per_customer_limit", "total_limit", "is_active",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.percent_bp:
            self.initial["percent"] = Decimal(self.instance.percent_bp) / 100

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        if not code.replace("-", "").replace("_", "").isalnum():
            raise forms.ValidationError("Letters, digits, - and _ only, e.g. SAVE10.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        percent = data.get("percent")
        if kind == Coupon.Kind.PERCENT and percent is None:
            self.add_error("percent", "A percentage coupon needs its percentage, e.g. 10.")
        self.instance.percent_bp = int(percent * 100) if kind == Coupon.Kind.PERCENT and percent is not None else 0
        if kind == Coupon.Kind.FLAT and not (data.get("amount_paise") or 0) > 0:
            self.add_error("amount_paise", "A flat coupon needs the amount it takes off.")
        if kind != Coupon.Kind.FLAT:
            data["amount_paise"] = 0  # only a flat coupon takes an amount off
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", "Must be after valid from.")
        return data


class RedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fields = ("redeemed_at", "order_id", "customer_id", "discount", "released_at")
    readonly_fields = fields

    @admin.display(description="discount")
    def discount(self, redemption: CouponRedemption) -> str:
        return format_inr(redemption.discount_paise)


@admin.register(Coupon)
class CouponAdmin(RupeesInForms, admin.ModelAdmin):
    form = CouponForm
    list_display = ("code", "kind", "what", "min_subtotal", "valid_from", "valid_until", "used", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "description")
    inlines = [RedemptionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Coupon]:
        return (
            super()
            .get_queryset(request)
            .annotate(live_uses=Count("redemptions", filter=Q(redemptions__released_at__isnull=True)))
        )

    @admin.display(description="takes off")
    def what(self, coupon: Coupon) -> str:
        if coupon.kind == Coupon.Kind.PERCENT:
            cap = f", at most {format_inr(coupon.max_discount_paise)}" if coupon.max_discount_paise else ""
            return f"{coupon.percent_bp / 100:g} %{cap}"
        if coupon.kind == Coupon.Kind.FLAT:
            return format_inr(coupon.amount_paise)
        return "the delivery fee"

    @admin.display(description="minimum subtotal")
    def min_subtotal(self, coupon: Coupon) -> str:
        return rupees_or_dash(coupon.min_subtotal_paise or None)

    @admin.display(description="used (limit)", ordering="live_uses")
    def used(self, coupon: Coupon) -> str:
        uses = getattr(coupon, "live_uses", 0)
        return f"{uses} of {coupon.total_limit}" if coupon.total_limit else str(uses)
