"""The payments API: an order's payment (customer or staff) and refunds (staff)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError
from shop.api.fields import ChoiceField

from .. import conf, selectors, services
from ..errors import PaymentRefused
from ..models import PaymentIntent, Refund


def refused(exc: PaymentRefused) -> ApiError:
    return ApiError(exc.message, code=exc.code, status_code=exc.status_code)


class PaymentRefundOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "amount_paise",
            "reason",
            "speed",
            "status",
            "channel",
            "idempotency_key",
            "razorpay_refund_id",
            "bank_reference",
            "failure_reason",
            "created_at",
            "processed_at",
        ]


class PaymentDetailApi(APIView):
    """GET an order's payment: status, refunds, and what the browser needs to open checkout."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.ModelSerializer):
        refunds = PaymentRefundOutputSerializer(many=True, read_only=True)
        checkout = serializers.SerializerMethodField()

        class Meta:
            model = PaymentIntent
            fields = [
                "id",
                "order_id",
                "method",
                "status",
                "amount_paise",
                "currency",
                "captured_paise",
                "refunded_paise",
                "razorpay_order_id",
                "razorpay_payment_id",
                "client_verified_at",
                "cancelled_at",
                "created_at",
                "refunds",
                "checkout",
            ]

        def get_checkout(self, intent: PaymentIntent) -> dict[str, Any] | None:
            if not intent.razorpay_order_id:
                return None
            request = self.context["request"]
            return {
                "key": conf.key_id(),
                "amount": intent.amount_paise,
                "currency": intent.currency,
                "order_id": intent.razorpay_order_id,
                "name": conf.get("PAYMENTS_MERCHANT_NAME"),
                "callback_url": request.build_absolute_uri(reverse("payments:callback", args=[intent.id])),
                "pay_url": request.build_absolute_uri(reverse("payments:pay", args=[intent.id])),
            }

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, order_id: UUID) -> Response:
        user = request_user(request)
        intent = selectors.get_intent_for_order(order_id=order_id)
        if intent is None or not (user.is_staff or intent.customer_id == user.id):
            raise ApiError("No payment for this order.", code="not_found", status_code=404)
        return Response(self.OutputSerializer(intent, context={"request": request}).data)


class RefundCreateApi(APIView):
    """POST a refund (staff): full or partial; the same idempotency key again is the same refund.
    A prepaid order is refunded through Razorpay; for cash on delivery, staff record the refund the
    store paid (`channel` cash, upi or bank_transfer; a UPI or bank transfer with its `reference`)."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        amount_paise = serializers.IntegerField(min_value=100)
        reason = serializers.CharField(max_length=200)
        idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_-]{10,64}$")
        speed = ChoiceField(choices=["normal", "optimum"], default="normal")
        channel = ChoiceField(choices=Refund.Channel.values, default=Refund.Channel.RAZORPAY)
        reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={201: PaymentRefundOutputSerializer, 200: PaymentRefundOutputSerializer}
    )
    def post(self, request: Request, order_id: UUID) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        channel, reference = fields.pop("channel"), fields.pop("reference")
        known = selectors.refund_with_key(idempotency_key=fields["idempotency_key"]) is not None
        try:
            if channel == Refund.Channel.RAZORPAY:
                intent = selectors.get_intent_for_order(order_id=order_id)
                if intent is not None and intent.method == PaymentIntent.Method.COD:
                    raise ApiError(
                        "Cash on delivery is not refunded through Razorpay: say how the store paid it back "
                        "(channel cash, upi or bank_transfer, with the UPI or bank transfer's reference).",
                        code="channel_required",
                        status_code=400,
                        fields={"channel": ["cash, upi or bank_transfer for a cash-on-delivery order"]},
                    )
                refund = services.refund_payment(order_id=order_id, source="api", **fields)
            else:
                fields.pop("speed")
                refund = services.record_offline_refund(
                    order_id=order_id, channel=channel, reference=reference, source="api", **fields
                )
        except PaymentRefused as exc:
            raise refused(exc) from exc
        # 201 for a new refund; 200 for a retry with the key of one already made (the same refund).
        code = status.HTTP_200_OK if known else status.HTTP_201_CREATED
        return Response(PaymentRefundOutputSerializer(refund).data, status=code)
