"""The OpenAPI document's account of errors: every operation may answer the API's one error
shape (shop/api/errors.py), so a client generated from /api/schema/ knows how refusals read."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every 4xx and 5xx the API answers has this shape.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs: validation_error, not_found..."},
                "message": {"type": "string", "description": "For people: what was wrong and what to do"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per field (nested for nested input), its messages; empty when no field is at fault",
                },
            },
        }
    },
}

_ANSWERS = {
    "4XX": (
        "Refused, with the reason: 400 invalid input, 401 not logged in, 403 not allowed, 404 not "
        "found (or not yours), 405 method, 409 the state does not allow it, 422 a key reused with "
        "another body, 429 too many requests (Retry-After)."
    ),
    "5XX": (
        "The shop failed, or a service it needs is down: try again shortly (a checkout with the same Idempotency-Key)."
    ),
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the Error component, and 4XX/5XX on every operation
    that does not document its own errors."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in _ANSWERS.items():
                if not any(code.startswith(status[0]) for code in responses):
                    responses[status] = {"description": description, "content": content}
    return result
