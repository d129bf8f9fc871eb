"""Refusals of the delivery app's use cases; the API answers them in the one error shape."""

from __future__ import annotations

from rest_framework import status

from shop.api.errors import ApiError


class IllegalTransition(ApiError):
    """The shipment cannot go there from where it is (e.g. delivered before packed)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "illegal_transition"


class Conflict(ApiError):
    """The request contradicts what is already recorded."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class NoRiderAvailable(ApiError):
    """Every rider of the store is off shift or inactive."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "no_rider_available"


class WrongCash(ApiError):
    """The cash entered at the door is not what the shipment is to collect (or any, for a prepaid one)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "wrong_cash"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"cash_collected_paise": [message]})
