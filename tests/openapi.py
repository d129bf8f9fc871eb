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


def response_schema(path: str, method: str = "get", status: int = 200) -> dict[str, Any]:
    """The JSON schema the document gives for `method path` answering `status`."""
    document = _document()
    operation = document["paths"][path][method]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**_as_json_schema(schema), "components": _as_json_schema(document["components"])}


def assert_matches_schema(body: Any, path: str, method: str = "get", status: int = 200) -> None:
    """Fail, naming the first difference, if `body` is not what the schema documents."""
    jsonschema.validate(body, response_schema(path, method, status), cls=jsonschema.Draft4Validator)
