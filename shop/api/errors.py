"""One error shape for every 4xx and 5xx the API answers.

{"error": {"code": "validation_error", "message": "...", "fields": {"email": ["..."]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """A business rule refused the request: raise with a code and a message."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_request"
    default_detail = "The request cannot be processed."

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code or self.default_code)
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for item in detail for msg in _flatten(item)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, Any]:
    if not isinstance(detail, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, dict):
            out[key] = _fields(value)
        else:
            out[key] = [str(item) for item in (value if isinstance(value, list) else [value])]
    return out


def _field_sentence(name: str, problems: Any) -> str:
    """ "quantity: A valid integer is required." (the first problem of a field, nested ones flattened)."""
    first = _flatten(problems)[0] if _flatten(problems) else "is invalid."
    return f"{name}: {first}"


def _throttled_message(wait: float | None) -> str:
    if not wait:
        return "Too many requests: try again in a moment."
    minutes, seconds = divmod(int(wait + 0.999), 60)
    if minutes >= 60:
        later = f"{minutes // 60} h {minutes % 60} min"
    elif minutes:
        later = f"{minutes} min" if minutes > 1 or not seconds else f"{minutes} min {seconds} s"
    else:
        later = f"{seconds} s"
    return f"Too many requests: try again in {later}."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, then reshape whatever it answered into our error shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler500 answers (below)

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _fields(detail)
        non_field = fields.pop("non_field_errors", None)
        if non_field:
            message = " ".join(non_field)
        elif fields:
            message = " ".join(_field_sentence(name, fields[name]) for name in sorted(fields))
        else:
            message = " ".join(_flatten(detail)) or "Invalid input."
        code = "validation_error"
    elif isinstance(exc, exceptions.Throttled):
        message = _throttled_message(getattr(exc, "wait", None))
        code = "throttled"
        fields = {}
    else:
        assert isinstance(exc, exceptions.APIException)
        message = " ".join(_flatten(exc.detail))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        fields = getattr(exc, "fields", {})
    response.data = error_body(str(code), message, fields)
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such page."), status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
