"""The public, read-only catalog API (staff write through the admin)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Product
from ..selectors.cache import LISTING_TTL_SECONDS, cached_listing, listing_cache_key
from ..selectors.listing import category_tree, get_product, list_products
from .pagination import CatalogPagination
from .serializers import (
    CategoryOutput,
    ProductDetailOutput,
    ProductListInput,
    ProductPageOutput,
    StoreInput,
    product_cards,
    product_detail,
)

#: The query parameters a listing page depends on; anything else does not split the cache.
LISTING_PARAMS = (*ProductListInput._declared_fields, "page", "page_size")


class PublicReadApi(APIView):
    """Anyone may read the catalogue; no session or token is looked at."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []


class CategoryListApi(PublicReadApi):
    """The category tree, roots first, each node with its children."""

    pagination_class = None

    @extend_schema(operation_id="catalog_categories_list", responses={200: CategoryOutput(many=True)})
    def get(self, request: Request) -> Response:
        return Response(CategoryOutput(category_tree(), many=True).data)


def _listing_query(request: HttpRequest) -> dict[str, Any] | None:
    """What a listing page's cache key is made of, or None when it is not cached."""
    params = request.GET
    if params.get("q", "").strip():
        return None  # searches are too varied to cache well; they are indexed instead
    store_id = None
    if params.get("store"):
        try:
            store_id = UUID(params["store"])
        except ValueError:
            return None
    pairs = [(name, value) for name in LISTING_PARAMS for value in params.getlist(name)]
    return {"host": request.get_host(), "params": pairs, "store_id": store_id}


def listing_key(request: HttpRequest) -> str | None:
    """The cache key of a listing page under the current versions, or None when it is not cached."""
    query = _listing_query(request)
    return listing_cache_key(**query) if query is not None else None


class ProductListApi(PublicReadApi):
    """Products on sale: search (q=), filters, sorts, pages; prices and stock of a store with store=.

    Pages without q= are cached for five minutes and retired at once by any change.
    """

    # Throttling would cost a cache write per hit on the hottest, cheapest page of the shop.
    throttle_classes: list[type] = []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A cached page is answered before DRF wraps the request: public, read-only bytes
        # need no authentication, negotiation or rendering, only one cache round trip.
        if request.method == "GET":
            query = _listing_query(request)
            body = cached_listing(**query) if query is not None else None
            if body is not None:
                return _json(body, hit=True)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="catalog_products_list",
        parameters=[
            ProductListInput,
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Products per page (at most 100)"),
        ],
        responses={200: ProductPageOutput},
    )
    def get(self, request: Request) -> HttpResponse:
        key = listing_key(request)  # dispatch() found no page under it
        data = ProductListInput(data=request.query_params.dict())
        data.is_valid(raise_exception=True)
        paginator = CatalogPagination()
        page = paginator.paginate_queryset(list_products(data.filters()), request, view=self)
        response = paginator.get_paginated_response(product_cards(page or []))
        body = JSONRenderer().render(response.data)
        if key is not None:
            cache.set(key, body, LISTING_TTL_SECONDS)
        return _json(body, hit=False)


def _json(body: bytes, *, hit: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["X-Cache"] = "hit" if hit else "miss"
    return response


class ProductDetailApi(PublicReadApi):
    """One product on sale with all its SKUs, images, tax and storage data."""

    @extend_schema(
        operation_id="catalog_products_retrieve", parameters=[StoreInput], responses={200: ProductDetailOutput}
    )
    def get(self, request: Request, slug: str) -> Response:
        data = StoreInput(data=request.query_params.dict())
        data.is_valid(raise_exception=True)
        try:
            product = get_product(slug=slug, store_id=data.validated_data.get("store"))
        except Product.DoesNotExist as exc:
            raise NotFound("No product on sale with this slug.") from exc
        return Response(product_detail(product))
