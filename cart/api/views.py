"""The cart API (visitors by session, customers by login) and checkout."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError

from ..models import Cart, CartLine
from ..selectors import price_cart, replacements
from ..services import carts, checkout
from .serializers import CartUpdateInput, CheckoutInput, LineInput, LineUpdateInput, cart_data


def current_cart(request: Request) -> tuple[Cart, dict[UUID, str]]:
    """The customer's cart (a visitor's cart from this session is merged in first), or the
    visitor's; with what the merge has to tell about its lines, by SKU (quantities capped)."""
    session = request._request.session
    if request.user.is_authenticated:
        user = request_user(request)
        if session.session_key and session.get("visitor_cart"):
            session.pop("visitor_cart")
            merged = carts.merge_visitor_cart(
                session_key=session.get("visitor_cart_key", session.session_key), customer_id=user.pk
            )
            return merged.cart, merged.notices
        return carts.get_cart(customer_id=user.pk, session_key=None), {}
    if not session.session_key:
        session.save()
    session["visitor_cart"] = True
    session["visitor_cart_key"] = session.session_key  # survives the key rotation at login
    return carts.get_cart(customer_id=None, session_key=session["visitor_cart_key"]), {}


def _priced(
    cart: Cart,
    code: int = status.HTTP_200_OK,
    *,
    slot_id: str | None = None,
    notices: dict[UUID, str] | None = None,
) -> Response:
    slot = None
    if slot_id:
        try:
            chosen = UUID(slot_id)
        except ValueError:
            raise ApiError(
                "slot_id is not a slot id.", code="invalid_request", fields={"slot_id": ["Must be a UUID."]}
            ) from None
        # Refused as checkout refuses it (slot_unknown, slot_not_for_address): a price for a
        # slot the cart cannot be delivered in would be a price it never pays.
        slot = checkout.chosen_slot(slot_id=chosen, zone_id=cart.zone_id, pincode=cart.pincode)
    priced = price_cart(cart, slot=slot, notices=notices)
    return Response(cart_data(priced, replacements(cart, priced.lines)), status=code)


class CartApi(APIView):
    """The cart, priced at its store: lines, GST included, savings, fees, total, problems."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "slot_id",
                OpenApiTypes.UUID,
                description=(
                    "Price the fees for this delivery slot (late-night, express), as checkout will; "
                    "400 slot_unknown or slot_not_for_address if checkout would refuse it."
                ),
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        cart, notices = current_cart(request)
        return _priced(cart, slot_id=request.query_params.get("slot_id"), notices=notices)

    @extend_schema(request=CartUpdateInput, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request) -> Response:
        data = CartUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart, notices = current_cart(request)
        with transaction.atomic():  # both or neither
            if "pincode" in data.validated_data:
                cart = carts.set_pincode(cart=cart, pincode=data.validated_data["pincode"])
            if "coupon_code" in data.validated_data:
                cart = carts.set_coupon(cart=cart, code=data.validated_data["coupon_code"])
        return _priced(cart, notices=notices)


class CartLinesApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=LineInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = LineInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart, notices = current_cart(request)
        carts.add_line(cart=cart, **data.validated_data)
        return _priced(cart, status.HTTP_201_CREATED, notices=notices)


class CartLineApi(APIView):
    permission_classes = [permissions.AllowAny]

    def _line(self, request: Request, line_id: UUID) -> tuple[Cart, CartLine, dict[UUID, str]]:
        cart, notices = current_cart(request)
        line = CartLine.objects.filter(cart=cart, pk=line_id).first()
        if line is None:
            raise ApiError("No such line in your cart.", code="not_found", status_code=status.HTTP_404_NOT_FOUND)
        return cart, line, notices

    @extend_schema(request=LineUpdateInput, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, line_id: UUID) -> Response:
        data = LineUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        cart, line, notices = self._line(request, line_id)
        carts.update_line(line=line, **data.validated_data)
        return _priced(cart, notices=notices)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, line_id: UUID) -> Response:
        cart, line, notices = self._line(request, line_id)
        carts.remove_line(line=line)
        return _priced(cart, notices=notices)


class CheckoutApi(APIView):
    """Check out the cart: 202 with the order id at once; stock, slot and payment follow."""

    @extend_schema(
        request=CheckoutInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
                OpenApiParameter.HEADER,
                required=True,
                description="One per checkout: a retry with the same key and body answers the same order",
            )
        ],
        responses={202: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 100:
            raise ApiError(
                "Send an Idempotency-Key header (1-100 characters) so a retried checkout makes one order.",
                code="idempotency_key_required",
                fields={"Idempotency-Key": ["Required." if not key else f"At most 100 characters, not {len(key)}."]},
            )
        data = CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        if request._request.session.get("visitor_cart"):
            # Logged in with a visitor's cart not yet merged (no cart read since): merge it, and
            # let the customer see the cart before paying for what it has become.
            current_cart(request)
            raise ApiError(
                "Your cart now has what you added before logging in: check it, then place the order again.",
                code="cart_merged",
                status_code=status.HTTP_409_CONFLICT,
            )
        result = checkout.submit_checkout(
            customer_id=request_user(request).pk, idempotency_key=key, **data.validated_data
        )
        body: dict[str, Any] = {
            "order_id": str(result.order_id),
            "status_url": f"/api/v1/orders/{result.order_id}/",
            # The order page's live status (a websocket): no need to poll status_url.
            "live_url": f"/ws/v1/orders/{result.order_id}/",
            "total_paise": result.total_paise,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
