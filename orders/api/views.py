"""The customer's orders: list, detail (with timeline and payment details), cancel."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError

from .. import selectors, services
from ..models import Order
from .serializers import OrderDetailOutput, OrderSummaryOutput


class OrderListApi(generics.ListAPIView[Order]):
    """The customer's own orders, newest first."""

    serializer_class = OrderSummaryOutput

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.list_orders(customer_id=request_user(self.request).pk)


def _own_order(request: Request, order_id: UUID) -> Order:
    user = request_user(request)
    try:
        return selectors.get_order(order_id=order_id, customer_id=None if user.is_staff else user.pk)
    except Order.DoesNotExist:
        raise ApiError("No such order.", code="not_found", status_code=status.HTTP_404_NOT_FOUND) from None


class OrderDetailApi(APIView):
    """One order: status, lines, totals, payment details, slot, shipment, timeline."""

    @extend_schema(responses={200: OrderDetailOutput})
    def get(self, request: Request, order_id: UUID) -> Response:
        return Response(OrderDetailOutput(_own_order(request, order_id)).data)


class OrderCancelApi(APIView):
    """Cancel one's order before it is packed."""

    @extend_schema(request=None, responses={200: OrderDetailOutput})
    def post(self, request: Request, order_id: UUID) -> Response:
        order = _own_order(request, order_id)
        try:
            services.cancel_order(order_id=order.id, by_staff=False)
        except services.IllegalTransition as exc:
            raise ApiError(str(exc), code="illegal_transition", status_code=status.HTTP_409_CONFLICT) from exc
        return Response(OrderDetailOutput(_own_order(request, order_id)).data)
