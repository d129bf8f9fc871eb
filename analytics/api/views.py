"""Staff reports: a store's days (or every store's), newest first; one day hour by hour."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..models import StoreDay, StoreHour

MAX_DAYS = 366


class StoreDayOutput(serializers.ModelSerializer[StoreDay]):
    average_order_paise = serializers.IntegerField(read_only=True)
    cod_share_percent = serializers.FloatField(read_only=True)
    coupon_share_percent = serializers.FloatField(read_only=True)
    fill_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    substitution_rate_percent = serializers.FloatField(read_only=True, allow_null=True)
    refund_rate_percent = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = StoreDay
        fields = (
            "store_id", "date", "orders_confirmed", "gmv_paise", "average_order_paise", "cod_orders",
            "cod_share_percent", "coupon_orders", "coupon_share_percent", "discount_paise",
            "orders_cancelled", "cancelled_by_reason", "orders_delivered",
            "lines_picked", "lines_short", "lines_weighed", "fill_rate_percent",
            "lines_replaced", "substitution_rate_percent",
            "refunds", "refunded_paise", "refund_rate_percent",
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
    picking (lines short, fill rate; lines replaced, substitution rate) and refunds (count, amount, share of GMV)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("store_id", str, description="One store (default: all)"),
            OpenApiParameter("since", str, description="First day, YYYY-MM-DD (default: a week before until)"),
            OpenApiParameter("until", str, description="Last day, YYYY-MM-DD (default: today)"),
        ],
        responses={200: StoreDayOutput(many=True)},
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
            OpenApiParameter("store_id", str, description="One store (default: all)"),
            OpenApiParameter("date", str, description="The day, YYYY-MM-DD (default: today)"),
        ],
        responses={200: StoreHourOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = HourQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        hours = selectors.store_hours(
            store_id=query.validated_data.get("store_id"), day=query.validated_data.get("date") or timezone.localdate()
        )
        return Response({"results": StoreHourOutput(hours, many=True).data})
