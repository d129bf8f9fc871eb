"""The customer's orders: list, detail (with timeline and payment details), cancel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError

from .. import selectors, services
from ..models import Invoice, Order
from .serializers import InvoiceOutput, OrderDetailOutput, OrderSummaryOutput

log = structlog.get_logger("orders")


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
        return Response(OrderDetailOutput(_own_order(request, order_id), context={"request": request}).data)


class OrderCancelApi(APIView):
    """Cancel one's order before it is packed."""

    @extend_schema(request=None, responses={200: OrderDetailOutput})
    def post(self, request: Request, order_id: UUID) -> Response:
        order = _own_order(request, order_id)
        user = request_user(request)
        # Staff acting on another customer's order cancel as staff (reason, window, timeline
        # say so), never in the customer's name.
        by_staff = user.is_staff and order.customer_id != user.pk
        if by_staff:
            log.info("orders.cancelled_by_staff", order_id=str(order.id), staff_id=str(user.pk), via="api")
        try:
            services.cancel_order(order_id=order.id, by_staff=by_staff)
        except services.IllegalTransition as exc:
            raise ApiError(str(exc), code="illegal_transition", status_code=status.HTTP_409_CONFLICT) from exc
        return Response(OrderDetailOutput(_own_order(request, order_id), context={"request": request}).data)


class OrderInvoiceApi(APIView):
    """The GST tax invoice of a delivered order, as HTML (`?download=1` to save it) or JSON."""

    renderer_classes = [TemplateHTMLRenderer, JSONRenderer]

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """Only the invoice is a page: errors keep the API's one JSON shape, and OPTIONS's description
        is JSON too, also where HTML was asked for (the HTML renderer has no template for them: a 500)."""
        if isinstance(response, Response) and response.template_name is None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, order_id: UUID) -> Response:
        order = _own_order(request, order_id)
        invoice = Invoice.objects.filter(order=order).first()
        if invoice is None:
            raise ApiError(
                "The invoice is issued when the order is delivered.",
                code="not_invoiced",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        if request.accepted_renderer.format == "json":
            return Response(InvoiceOutput(invoice).data)
        response = Response({"invoice": invoice}, template_name="orders/invoice.html")
        if request.query_params.get("download", "").lower() in ("1", "true", "yes"):
            response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.serial}.html"'
        return response
