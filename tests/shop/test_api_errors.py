"""Under /api/, a 404 or 500 answers the API's error shape, DEBUG (the embedded default) or not;
pages outside /api/ keep Django's HTML."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

NOT_FOUND = {"error": {"code": "not_found", "message": "No such page.", "fields": {}}}
SERVER_ERROR = {"error": {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}}


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request: pytest.FixtureRequest, settings: Settings) -> bool:
    settings.DEBUG = request.param
    return bool(request.param)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nonexistent/", "/api/v1/orders/not-a-uuid/", "/api/nothing"])
def test_an_api_url_that_resolves_to_nothing_answers_the_json_error(client: Client, debug: bool, path: str) -> None:
    response = client.get(path, HTTP_ACCEPT="text/html")  # even for a browser

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_a_page_outside_the_api_keeps_djangos_html_404(client: Client, debug: bool) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.urls("tests.shop.errors_urls")
def test_a_crash_under_the_api_answers_the_json_error(debug: bool) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/boom/", HTTP_ACCEPT="text/html")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == SERVER_ERROR
    assert b"RuntimeError" not in response.content  # no traceback in the answer (it is in the log)


@pytest.mark.django_db
@pytest.mark.urls("tests.shop.errors_urls")
def test_a_crash_outside_the_api_keeps_djangos_html_500(debug: bool) -> None:
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_apis_own_answers_pass_untouched(client: Client, debug: bool) -> None:
    response = client.get("/api/v1/auth/me/")

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db(transaction=True)
def test_under_asgi_too(debug: bool) -> None:
    """`make run` serves through ASGI (daphne's runserver)."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    response = async_to_sync(AsyncClient().get)("/api/v1/nonexistent/")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_an_invalid_field_is_named_with_its_reason_in_the_message() -> None:
    from rest_framework import serializers

    from shop.api.errors import exception_handler

    invalid = serializers.ValidationError({"quantity": ["A valid integer is required."], "address_id": ["Required."]})
    response = exception_handler(invalid, {})

    assert response is not None
    assert response.status_code == 400
    assert response.data["error"]["message"] == "address_id: Required. quantity: A valid integer is required."
    assert response.data["error"]["fields"] == {
        "quantity": ["A valid integer is required."],
        "address_id": ["Required."],
    }


@pytest.mark.parametrize(
    ("wait", "said"),
    [(None, "in a moment"), (42.2, "in 43 s"), (60, "in 1 min"), (95, "in 1 min 35 s"), (3296, "in 54 min"),
     (7300, "in 2 h 1 min")],
)  # fmt: skip
def test_a_throttled_request_says_when_to_come_back_in_words(wait: float | None, said: str) -> None:
    from rest_framework.exceptions import Throttled

    from shop.api.errors import exception_handler

    response = exception_handler(Throttled(wait=wait), {})

    assert response is not None
    assert response.status_code == 429
    assert response.data["error"]["code"] == "throttled"
    assert said in response.data["error"]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/delivery/track/%00/", {}),  # public
        ("/api/v1/catalog/products/?q=milk%00", {}),
        ("/api/v1/catalog/products/?%00=1", {}),
        ("/api/v1/checkout/", {"HTTP_IDEMPOTENCY_KEY": "key\x00"}),
    ],
)
def test_a_nul_character_where_a_query_would_meet_it_is_a_400(client: Client, path: str, headers: dict) -> None:
    response = client.get(path, **headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.django_db
def test_a_nul_character_in_a_page_address_is_a_plain_400(client: Client) -> None:
    response = client.get("/about/?from=%00")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
