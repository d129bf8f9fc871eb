"""Does a response say what /api/schema/ promises? Validates a body against the OpenAPI document."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from drf_spectacular.generators import SchemaGenerator


@cache
def _document() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` in JSON Schema's words (anyOf with null); the rest is draft 4's."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _components() -> dict[str, Any]:
    return _as_json_schema(_document()["components"])


def response_schema(path: str, method: str = "get", status: int = 200) -> dict[str, Any]:
    """The JSON schema the document gives for `method path` answering `status`."""
    responses = _document()["paths"][path][method]["responses"]
    answer = responses.get(str(status)) or responses[f"{str(status)[0]}XX"]  # an error: its range
    schema = answer["content"]["application/json"]["schema"]
    return {**_as_json_schema(schema), "components": _components()}


@cache
def _validator(path: str, method: str, status: int) -> jsonschema.Draft4Validator:
    schema = response_schema(path, method, status)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_matches_schema(body: Any, path: str, method: str = "get", status: int = 200) -> None:
    """Fail, naming the first difference, if `body` is not what the schema documents."""
    error = jsonschema.exceptions.best_match(_validator(path, method, status).iter_errors(body))
    if error is not None:
        raise error
