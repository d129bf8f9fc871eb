"""Staff API of the inventory: stock per store, goods receipt and adjustments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError
from shop.api.pagination import PageNumberPagination

from .. import selectors, services
from ..errors import InventoryError, NotFound
from ..models import Batch, Stock


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn a refused use case into the API's error shape, with its status."""
    try:
        yield
    except InventoryError as exc:
        raise ApiError(exc.message, code=exc.code, status_code=exc.status_code, fields=exc.fields) from exc


class BatchOutput(serializers.ModelSerializer[Batch]):
    class Meta:
        model = Batch
        fields = ["id", "code", "expires_on", "received_at", "received_quantity", "quantity"]


class StockOutput(serializers.ModelSerializer[Stock]):
    store_code = serializers.CharField(source="store.code")
    sku_code = serializers.CharField(source="sku.sku_code")
    sku_name = serializers.CharField(source="sku.name")
    base_unit = serializers.CharField(source="sku.base_unit")
    in_stock = serializers.BooleanField()

    class Meta:
        model = Stock
        fields = [
            "id",
            "store_id",
            "store_code",
            "sku_id",
            "sku_code",
            "sku_name",
            "base_unit",
            "on_hand",
            "reserved",
            "available",
            "in_stock",
            "low_stock_threshold",
            "updated_at",
        ]


class StockDetailOutput(StockOutput):
    batches = serializers.SerializerMethodField()

    class Meta(StockOutput.Meta):
        fields = [*StockOutput.Meta.fields, "batches"]

    def get_batches(self, stock: Stock) -> list[dict[str, Any]]:
        return BatchOutput(stock.batches.filter(quantity__gt=0), many=True).data  # type: ignore[return-value]


class StockListApi(APIView):
    permission_classes = [IsAdminUser]
    # The schema documents the page `get` answers ({count, next, previous, results}).
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("store", str, description="Store id or code"),
            OpenApiParameter("sku_id", str),
            OpenApiParameter("low", bool, description="Only stock at or below its low-stock threshold"),
        ],
        responses=StockOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = StockFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        stocks = selectors.list_stock(**filters.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(stocks, request, view=self)
        return paginator.get_paginated_response(StockOutput(page, many=True).data)


class StockFilter(serializers.Serializer[Any]):
    store = serializers.CharField(required=False)
    sku_id = serializers.UUIDField(required=False)
    low = serializers.BooleanField(required=False, default=False)


class StockDetailApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses=StockDetailOutput)
    def get(self, request: Request, stock_id: str) -> Response:
        stock = selectors.list_stock().filter(pk=stock_id).first()
        if stock is None:
            raise ApiError("No such stock.", code=NotFound.code, status_code=404)
        return Response(StockDetailOutput(stock).data)


class StockReceiveApi(APIView):
    """Goods receipt: a new batch of a SKU at a store."""

    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer[Any]):
        class Meta:
            ref_name = "StockReceiveInput"

        store_id = serializers.UUIDField()
        sku_id = serializers.UUIDField()
        quantity = serializers.IntegerField(min_value=1, max_value=services.MAX_QUANTITY_PER_MOVE)
        expires_on = serializers.DateField(required=False, allow_null=True, default=None)
        batch_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    @extend_schema(request=Input, responses={201: BatchOutput})
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        with _refusals():
            batch = services.receive_stock(**data.validated_data, user_id=request_user(request).id)
        return Response(BatchOutput(batch).data, status=status.HTTP_201_CREATED)


class StockAdjustApi(APIView):
    """Correct a store's count of a SKU (found, damaged, lost) with a reason."""

    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer[Any]):
        class Meta:
            ref_name = "StockAdjustInput"

        store_id = serializers.UUIDField()
        sku_id = serializers.UUIDField()
        delta = serializers.IntegerField(
            min_value=-services.MAX_QUANTITY_PER_MOVE, max_value=services.MAX_QUANTITY_PER_MOVE
        )
        reason = serializers.CharField(max_length=200)
        batch_id = serializers.UUIDField(required=False, allow_null=True, default=None)
        expires_on = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(request=Input, responses=StockOutput)
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        with _refusals():
            stock = services.adjust_stock(**data.validated_data, user_id=request_user(request).id)
        return Response(StockOutput(selectors.list_stock().get(pk=stock.pk)).data)
