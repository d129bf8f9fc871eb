"""Delivery API: serviceability and slots for shoppers; shipments for staff and riders."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from shop.api.auth import request_user

from .. import selectors, services
from ..models import Shipment
from . import serializers as s


class IsStaffOrRider(permissions.BasePermission):
    """Shipments are for the store's staff and its riders; customers see none of this."""

    message = "Only staff and riders can see shipments."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request_user(request)
        return bool(user.is_staff or selectors.rider_for_user(user=user))


def _not_serviceable(pincode: str) -> dict[str, Any]:
    return {
        "pincode": pincode,
        "serviceable": False,
        "message": f"We do not deliver to {pincode} yet.",
        "zone": None,
        "store": None,
        "fee_policy": None,
        "next_slot": None,
        "next_express_slot": None,
    }


class ServiceabilityApi(APIView):
    """Whether a pincode is served: its store, the fee policy and the next slots; or "not serviceable"."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[s.PincodeInput], responses={200: s.ServiceabilityOutput})
    def get(self, request: Request) -> Response:
        query = s.PincodeInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        pincode = query.validated_data["pincode"]
        found = selectors.serviceability(pincode=pincode)
        if found is None:
            return Response(s.ServiceabilityOutput(_not_serviceable(pincode)).data)
        body = {
            "pincode": pincode,
            "serviceable": True,
            "message": f"Delivered from {found.store.title}.",
            "zone": found.zone,
            "store": found.store,
            "fee_policy": found.fee_policy.model_dump(),
            "next_slot": found.next_slot,
            "next_express_slot": found.next_express_slot,
        }
        return Response(s.ServiceabilityOutput(body).data)


class SlotListApi(APIView):
    """The slots still open for booking at a pincode (optionally one date, one mode), with places left."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[s.SlotQueryInput], responses={200: s.SlotListOutput})
    def get(self, request: Request) -> Response:
        query = s.SlotQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        pincode = query.validated_data["pincode"]
        zone = selectors.zone_for_pincode(pincode=pincode)
        slots = (
            selectors.open_slots(zone=zone, mode=query.validated_data.get("mode"), on=query.validated_data.get("date"))
            if zone
            else []
        )
        return Response(s.SlotListOutput({"pincode": pincode, "serviceable": zone is not None, "slots": slots}).data)


class TrackingApi(APIView):
    """A shipment's progress by its tracking code (no personal data)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: s.TrackingOutput})
    def get(self, request: Request, code: str) -> Response:
        shipment = get_object_or_404(Shipment.objects.select_related("slot"), tracking_code=code.upper())
        return Response(s.TrackingOutput(shipment).data)


class RiderMeApi(APIView):
    """The logged-in rider's profile; PATCH starts or ends their shift."""

    def _rider(self, request: Request) -> Any:
        rider = selectors.rider_for_user(user=request_user(request))
        if rider is None:
            self.permission_denied(request, message="You are not a rider.")
        return rider

    @extend_schema(responses={200: s.RiderMeOutput})
    def get(self, request: Request) -> Response:
        return Response(s.RiderMeOutput(self._rider(request)).data)

    @extend_schema(request=s.ShiftInput, responses={200: s.RiderMeOutput})
    def patch(self, request: Request) -> Response:
        rider = self._rider(request)
        given = s.ShiftInput(data=request.data)
        given.is_valid(raise_exception=True)
        rider = services.set_rider_availability(rider_id=rider.pk, is_available=given.validated_data["is_available"])
        return Response(s.RiderMeOutput(rider).data)


class ShipmentListApi(generics.ListAPIView[Shipment]):
    """Staff see every shipment, a rider only theirs (filter with ?status=)."""

    permission_classes = [permissions.IsAuthenticated, IsStaffOrRider]
    serializer_class = s.ShipmentOutput

    @extend_schema(parameters=[OpenApiParameter("status", str, required=False)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Shipment]:
        shipments = selectors.shipments_for(user=request_user(self.request))
        status = self.request.query_params.get("status")
        return shipments.filter(status=status) if status else shipments


def _visible_shipment(request: Request, pk: UUID) -> Shipment:
    """The shipment if this user may see it; a rider asking for another's gets 404."""
    return get_object_or_404(selectors.shipments_for(user=request_user(request)), pk=pk)


def _shipment_body(pk: UUID) -> dict[str, Any]:
    shipment = Shipment.objects.select_related("rider", "slot").prefetch_related("lines").get(pk=pk)
    return s.ShipmentOutput(shipment).data


class ShipmentDetailApi(APIView):
    """One shipment with its pick list."""

    permission_classes = [permissions.IsAuthenticated, IsStaffOrRider]

    @extend_schema(responses={200: s.ShipmentOutput})
    def get(self, request: Request, pk: UUID) -> Response:
        return Response(_shipment_body(_visible_shipment(request, pk).pk))


class _ShipmentActionApi(APIView):
    """A step of the shipment's journey; illegal steps answer 409 with the reason."""

    permission_classes = [permissions.IsAuthenticated, IsStaffOrRider]
    staff_only: ClassVar[bool] = True
    input_class: ClassVar[type[Serializer] | None] = None

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: UUID) -> Response:
        shipment = _visible_shipment(request, pk)
        if self.staff_only and not request_user(request).is_staff:
            self.permission_denied(request, message="Only store staff can do this.")
        data: dict[str, Any] = {}
        if self.input_class is not None:
            given = self.input_class(data=request.data)
            given.is_valid(raise_exception=True)
            data = dict(given.validated_data)
        self.act(shipment.pk, data)
        return Response(_shipment_body(shipment.pk))


class ShipmentPickApi(_ShipmentActionApi):
    """Record what picking found for every line (staff)."""

    input_class = s.PickInput

    @extend_schema(request=s.PickInput, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        picks = [services.PickInput(**line) for line in data["lines"]]
        services.record_pick(shipment_id=shipment_id, picks=picks)


class ShipmentPackApi(_ShipmentActionApi):
    """Mark the picked shipment packed (staff)."""

    @extend_schema(request=None, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.pack_shipment(shipment_id=shipment_id)


class ShipmentAssignApi(_ShipmentActionApi):
    """Give the shipment to a rider: the one named, or the least-loaded on shift (staff)."""

    input_class = s.AssignInput

    @extend_schema(request=s.AssignInput, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.assign_rider(shipment_id=shipment_id, rider_id=data.get("rider_id"))


class ShipmentDispatchApi(_ShipmentActionApi):
    """The rider leaves with the shipment, or tries again after a failure (rider or staff)."""

    staff_only = False

    @extend_schema(request=None, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.dispatch_shipment(shipment_id=shipment_id)


class ShipmentDeliverApi(_ShipmentActionApi):
    """Handed over; cash on delivery gives the cash collected (rider or staff)."""

    staff_only = False
    input_class = s.DeliverInput

    @extend_schema(request=s.DeliverInput, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.deliver_shipment(shipment_id=shipment_id, cash_collected_paise=data.get("cash_collected_paise"))


class ShipmentFailApi(_ShipmentActionApi):
    """The delivery attempt failed at the door (rider or staff)."""

    staff_only = False
    input_class = s.FailInput

    @extend_schema(request=s.FailInput, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.fail_delivery(shipment_id=shipment_id, reason=data["reason"])


class ShipmentReturnApi(_ShipmentActionApi):
    """Give up after a failed attempt: back to the store (staff)."""

    @extend_schema(request=None, responses={200: s.ShipmentOutput})
    def post(self, request: Request, pk: UUID) -> Response:
        return super().post(request, pk)

    def act(self, shipment_id: UUID, data: dict[str, Any]) -> None:
        services.return_shipment(shipment_id=shipment_id)
