"""Staff reports: a store's days (or every store's), newest first; one day hour by hour; delivery
slots' use; demand per SKU and day; reorder advice from the demand forecast."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.pagination import PageNumberPagination

from .. import selectors
from ..models import SkuDay, SkuForecast, SlotUse, StoreDay, StoreHour

MAX_DAYS = 366

# The reports' query parameters, as the schema shows them.
STORE = OpenApiParameter("store_id", str, description="One store (default: all)")
SKU = OpenApiParameter("sku_id", str, description="One SKU (default: all)")
SINCE = OpenApiParameter("since", str, description="First day, YYYY-MM-DD (default: a week before until)")
UNTIL = OpenApiParameter("until", str, description="Last day, YYYY-MM-DD (default: today)")
PAGES = (OpenApiParameter("page", int), OpenApiParameter("page_size", int, description="At most 100"))


class PagedReportApi(APIView):
    """A staff report answering a page, `{count, next, previous, results}`: the schema says so
    (drf-spectacular wraps a view's list response in its `pagination_class`'s page)."""

    permission_classes = [IsAdminUser]
    pagination_class = PageNumberPagination


def _results(name: str, output: serializers.BaseSerializer[Any]) -> serializers.Serializer[Any]:
    """The schema of an unpaginated report: `{"results": [...]}`."""
    return inline_serializer(name, {"results": output})


class StoreDayOutput(serializers.ModelSerializer[StoreDay]):
    average_order_paise = serializers.IntegerField(read_only=True)
    cod_share_percent = serializers.FloatField(read_only=True)
    coupon_share_percent = serializers.FloatField(read_only=True)
    fill_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    substitution_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    refund_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    payment_success_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    on_time_percent = serializers.FloatField(read_only=True, allow_null=True)
    average_minutes_late = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = StoreDay
        fields = (
            "store_id", "date", "orders_confirmed", "gmv_paise", "average_order_paise", "cod_orders",
            "cod_share_percent", "coupon_orders", "coupon_share_percent", "discount_paise",
            "orders_cancelled", "cancelled_by_reason", "orders_delivered",
            "lines_picked", "lines_short", "lines_weighed", "fill_rate_percent",
            "lines_replaced", "substitution_rate_percent",
            "refunds", "refunded_paise", "refund_rate_percent",
            "prepaid_confirmed", "prepaid_payment_failed", "payment_success_rate_percent",
            "delivered_on_time", "delivered_late", "on_time_percent", "average_minutes_late",
            "batches_expired", "written_off_paise", "batches_unvalued",
        )  # fmt: skip


class StoreHourOutput(serializers.ModelSerializer[StoreHour]):
    hour = serializers.DateTimeField(read_only=True)  # in Asia/Kolkata, e.g. 2026-11-22T18:00:00+05:30
    average_order_paise = serializers.IntegerField(read_only=True)

    class Meta:
        model = StoreHour
        fields = ("store_id", "hour", "orders_confirmed", "gmv_paise", "average_order_paise")


def _report_day(**kwargs: Any) -> serializers.DateField:
    """A day the reports can hold: from 2000 to 2099 (beyond, date arithmetic overflows)."""
    return serializers.DateField(
        required=False,
        validators=[
            MinValueValidator(date(2000, 1, 1), "No reports before 2000-01-01."),
            MaxValueValidator(date(2099, 12, 31), "No reports after 2099-12-31."),
        ],
        **kwargs,
    )


class ReportQuery(serializers.Serializer[dict[str, Any]]):
    store_id = serializers.UUIDField(required=False)
    since = _report_day()
    until = _report_day()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until: date = attrs.get("until") or timezone.localdate()
        since: date = attrs.get("since") or until - timedelta(days=6)
        if since > until:
            raise serializers.ValidationError({"since": "since must not be after until."})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError({"since": f"At most {MAX_DAYS} days at a time."})
        return {**attrs, "since": since, "until": until}


class StoreDaysApi(APIView):
    """Orders confirmed, GMV, average order, COD share, coupons (orders, share, discounts given),
    cancellations by reason, deliveries,
    picking (lines short, fill rate; lines replaced, substitution rate), refunds (count, amount, share of GMV),
    the payment success rate (prepaid), deliveries against their promise (on time, minutes late)
    and expiry write-offs (batches, value)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            STORE,
            SINCE,
            UNTIL,
        ],
        responses={200: _results("StoreDayList", StoreDayOutput(many=True))},
    )
    def get(self, request: Request) -> Response:
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = selectors.store_days(
            store_id=query.validated_data.get("store_id"),
            since=query.validated_data["since"],
            until=query.validated_data["until"],
        )
        return Response({"results": StoreDayOutput(days, many=True).data})


class HourQuery(serializers.Serializer[dict[str, Any]]):
    store_id = serializers.UUIDField(required=False)
    date = _report_day()


class StoreHoursApi(APIView):
    """One day's orders confirmed and GMV hour by hour (Asia/Kolkata), for the hours that had any."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            STORE,
            OpenApiParameter("date", str, description="The day, YYYY-MM-DD (default: today)"),
        ],
        responses={200: _results("StoreHourList", StoreHourOutput(many=True))},
    )
    def get(self, request: Request) -> Response:
        query = HourQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        hours = selectors.store_hours(
            store_id=query.validated_data.get("store_id"), day=query.validated_data.get("date") or timezone.localdate()
        )
        return Response({"results": StoreHourOutput(hours, many=True).data})


class SlotUseOutput(serializers.ModelSerializer[SlotUse]):
    starts_at = serializers.DateTimeField(read_only=True, allow_null=True)  # Asia/Kolkata
    ends_at = serializers.DateTimeField(read_only=True, allow_null=True)
    booked = serializers.IntegerField(read_only=True)
    utilisation_percent = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SlotUse
        fields = (
            "slot_id", "store_id", "zone_id", "date", "starts_at", "ends_at", "mode", "capacity",
            "orders_confirmed", "orders_cancelled", "booked", "utilisation_percent",
        )  # fmt: skip


class SlotsApi(PagedReportApi):
    """Delivery slots' use, by the local day their window starts: places booked (orders confirmed
    for the slot, less those cancelled since) against capacity. Paginated."""

    @extend_schema(
        parameters=[
            STORE,
            SINCE,
            UNTIL,
            *PAGES,
        ],
        responses={200: SlotUseOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selectors.slot_uses(
            store_id=query.validated_data.get("store_id"),
            since=query.validated_data["since"],
            until=query.validated_data["until"],
        )
        return _page(request, self, slots, SlotUseOutput)


class SkuDayOutput(serializers.ModelSerializer[SkuDay]):
    class Meta:
        model = SkuDay
        fields = (
            "store_id", "sku_id", "date", "name", "sold_by", "units_ordered", "orders", "sales_paise",
            "units_written_off", "written_off_paise",
        )  # fmt: skip


class SkuQuery(ReportQuery):
    sku_id = serializers.UUIDField(required=False)


class SkuDaysApi(PagedReportApi):
    """Demand per SKU and store and day: base units (packs, or grams) in the orders confirmed that
    day, how many orders, what was paid; and what expired. Newest first, paginated."""

    @extend_schema(
        parameters=[
            STORE,
            SKU,
            SINCE,
            UNTIL,
            *PAGES,
        ],
        responses={200: SkuDayOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = SkuQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = selectors.sku_days(
            store_id=query.validated_data.get("store_id"),
            sku_id=query.validated_data.get("sku_id"),
            since=query.validated_data["since"],
            until=query.validated_data["until"],
        )
        return _page(request, self, days, SkuDayOutput)


#: The longest lead time advice is asked for (a month).
MAX_LEAD_TIME_DAYS = 31


class AdviceQuery(serializers.Serializer[dict[str, Any]]):
    store_id = serializers.UUIDField(required=False)
    sku_id = serializers.UUIDField(required=False)
    lead_time_days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LEAD_TIME_DAYS)


class AdviceOutput(serializers.Serializer[dict[str, Any]]):
    store_id = serializers.UUIDField()
    sku_id = serializers.UUIDField()
    name = serializers.CharField()
    sold_by = serializers.CharField(help_text="unit: quantities in packs; weight: in grams")
    computed_on = serializers.DateField()
    window_days = serializers.IntegerField()
    average_daily = serializers.DecimalField(max_digits=16, decimal_places=3, coerce_to_string=False)
    stddev_daily = serializers.DecimalField(max_digits=16, decimal_places=3, coerce_to_string=False)
    weekday_factors = serializers.ListField(child=serializers.FloatField(), help_text="Monday first")
    lead_time_days = serializers.IntegerField()
    lead_time_demand = serializers.DecimalField(max_digits=18, decimal_places=3, coerce_to_string=False)
    safety_stock = serializers.DecimalField(max_digits=18, decimal_places=3, coerce_to_string=False)
    available = serializers.IntegerField(allow_null=True)
    reorder_quantity = serializers.IntegerField(allow_null=True)


def _advice(forecast: SkuForecast, days: int) -> dict[str, Any]:
    advice = selectors.advise(forecast, available=getattr(forecast, "available", None), days=days)
    return {
        "store_id": forecast.store_id, "sku_id": forecast.sku_id, "name": forecast.name, "sold_by": forecast.sold_by,
        "computed_on": forecast.computed_on, "window_days": forecast.window_days,
        "average_daily": forecast.average_daily, "stddev_daily": forecast.stddev_daily,
        "weekday_factors": forecast.weekday_factors, "lead_time_days": advice.lead_time_days,
        "lead_time_demand": advice.lead_time_demand, "safety_stock": advice.safety_stock,
        "available": advice.available, "reorder_quantity": advice.reorder_quantity,
    }  # fmt: skip


class ReorderAdviceApi(PagedReportApi):
    """Each SKU's demand forecast at its store (daily, from the last ANALYTICS_FORECAST_DAYS) and
    what to order: the forecast over the lead time plus safety stock, less what is available.
    Paginated."""

    @extend_schema(
        parameters=[
            STORE,
            SKU,
            OpenApiParameter(
                "lead_time_days", int, description="Days until stock ordered now arrives (default: the setting's)"
            ),
            *PAGES,
        ],
        responses={200: AdviceOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = AdviceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        days = query.validated_data.get("lead_time_days") or selectors.lead_time_days()
        filters = query.validated_data
        rows = selectors.forecasts(store_id=filters.get("store_id"), sku_id=filters.get("sku_id"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        advice: Any = [_advice(row, days) for row in page]
        return paginator.get_paginated_response(AdviceOutput(advice, many=True).data)


def _page(request: Request, view: APIView, rows: Any, output: type[serializers.ModelSerializer[Any]]) -> Response:
    paginator: PageNumberPagination = PageNumberPagination()
    page: Any = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)
