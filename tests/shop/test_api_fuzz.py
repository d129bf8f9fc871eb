"""Property-based fuzzing of the whole REST API against its own OpenAPI document (schemathesis, in
process through WSGI): requests generated from /api/schema/, valid and invalid, as a customer and
as staff, over a shop with a placed order. No answer may be a 5xx, every error has the API's one
shape, and every JSON success matches what the schema documents.

Bounded and repeatable: a few examples per operation, derandomized (the same cases every run),
no shrinking; 20-45 s. To hunt for more, raise FUZZ_EXAMPLES in the environment (40: about 70 s)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from delivery.models import Shipment
from inventory.models import Stock
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import ATTA, MILK, build_shop
from tests.openapi import assert_matches_schema

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))

# Operations that end the login the fuzzing runs under (its token), so every later case would
# only test the 401: their own tests cover them.
LOGIN_ENDING = re.compile(r"^/api/v1/auth/(logout|password/change)/$")
STAFF_ONLY = re.compile(r"^/api/v1/(analytics|inventory|delivery/shipments|payments/orders/\{order_id\}/refunds)/")

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(max(180, 30 * EXAMPLES))]


@dataclass
class Findings:
    """Each kind of problem once per operation, with the first request that showed it."""

    problems: list[str] = field(default_factory=list)
    seen: set[tuple[str, int, str]] = field(default_factory=set)

    def add(self, case: Any, status: int, why: str, body: bytes) -> None:
        key = (case.operation.label, status, why)
        if key in self.seen:
            return
        self.seen.add(key)
        sent = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
        self.problems.append(
            f"{case.method} {case.formatted_path} -> {status}: {why}\n"
            f"    query={case.query} body={sent!r:.300}\n    answer={body[:300]!r}"
        )


def _error_shape_problem(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    if (
        isinstance(error, dict)
        and set(error) == {"code", "message", "fields"}
        and isinstance(error["code"], str)
        and error["code"]
        and isinstance(error["message"], str)
        and error["message"]
        and isinstance(error["fields"], dict)
    ):
        return None
    return "error not in the shape {error: {code, message, fields}}"


def _check(case: Any, response: Any, findings: Findings) -> None:
    status, content = response.status_code, response.content or b""
    content_type = response.headers.get("content-type", [""])
    content_type = (content_type[0] if isinstance(content_type, list) else content_type) or ""
    if status >= 500:
        findings.add(case, status, "server error", content)
        return
    if not content_type.startswith("application/json"):
        if status >= 400:
            findings.add(case, status, f"error answered as {content_type or 'nothing'}", content)
        return
    body = json.loads(content)
    if status >= 400:
        problem = _error_shape_problem(body)
        if problem:
            findings.add(case, status, problem, content)
        return
    path, method = case.operation.path, case.method.lower()
    if str(status) in case.operation.definition.raw.get("responses", {}):
        try:
            assert_matches_schema(body, path, method, status)
        except Exception as exc:  # jsonschema's ValidationError, named in the finding
            findings.add(case, status, f"answer does not match the schema: {str(exc).splitlines()[0]}", content)


@contextmanager
def _connection_kept_between_requests() -> Iterator[None]:
    """Serve inside the test's transaction: as Django's test client does, the database connection
    is not closed at the end of each request (the test client connects the closing again after
    each of its own requests, so this wraps the fuzzing, not the fixtures)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world() -> dict[str, Any]:
    """A shop with stock, a slot, a customer with an address, a cart and a placed (COD) order, and staff."""
    shop = build_shop()
    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    order_id = customer.checkout("cod")
    deliver_pending()
    customer.fill_cart((MILK, 1))  # a cart line to change
    line_id = customer.client.get("/api/v1/cart/").json()["lines"][0]["id"]
    staff = UserFactory(is_staff=True)
    shipment = Shipment.objects.get(order_id=order_id)
    return {
        "customer_token": Token.objects.get(user=customer.user).key,
        "staff_token": Token.objects.create(user=staff).key,
        "path_parameters": {
            "order_id": order_id,
            "line_id": line_id,
            "stock_id": str(Stock.objects.filter(store_id=shop.store_id).values_list("id", flat=True)[0]),
            "slug": str(MILK),  # build_shop publishes each product under its SKU id
            "code": shipment.tracking_code,
            "shipment": str(shipment.id),
            "address": str(customer.address.id),
        },
    }


def _real_ids(path: str, generated: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    """Mostly the world's own ids (a random UUID only ever tests the 404)."""
    chosen = dict(generated)
    for name in generated:
        if name == "id":
            chosen[name] = known["shipment" if "/shipments/" in path else "address"]
        elif name in known:
            chosen[name] = known[name]
    return chosen


def test_the_api_answers_every_generated_request_without_5xx_in_the_error_shape_and_as_documented(
    fuzz_world: dict[str, Any],
) -> None:
    with _connection_kept_between_requests():
        findings, tested = _fuzz(fuzz_world)

    assert tested >= 80, tested  # about 50 operations, each positive and (where it can be) negative
    assert findings.problems == [], "\n".join(findings.problems)


def _fuzz(fuzz_world: dict[str, Any]) -> tuple[Findings, int]:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    findings = Findings()
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if LOGIN_ENDING.match(operation.path):
            continue
        token = fuzz_world["staff_token" if STAFF_ONLY.match(operation.path) else "customer_token"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, mode, token, fuzz_world["path_parameters"], findings)
            except Unsatisfiable:  # nothing to make invalid (e.g. no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
                continue
            tested += 1
    return findings, tested


def _fuzz_operation(operation: Any, mode: GenerationMode, token: str, ids: dict[str, str], findings: Findings) -> None:
    """EXAMPLES requests to one operation, the same ones every run (derandomized), not shrunk."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.path_parameters = _real_ids(operation.path, case.path_parameters or {}, ids)
        headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
        if operation.path == "/api/v1/checkout/":
            headers["Idempotency-Key"] = uuid.uuid4().hex  # else only the missing key's 400 is tested
        _check(case, case.call(headers=headers), findings)

    run()
