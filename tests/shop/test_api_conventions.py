"""Health, readiness, the schema, Swagger UI and the one error shape."""

import uuid

import pytest
from django.test import Client


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_probes_answer_a_load_balancer_that_comes_by_ip_over_http(client: Client, settings) -> None:
    settings.ALLOWED_HOSTS = ["shop.example.in"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").json() == {"status": "ok"}
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").json()["status"] == "ready"
    # Everything else still checks the host and goes to HTTPS.
    assert client.get("/about/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.get("/about/", HTTP_HOST="shop.example.in").status_code == 301


def test_prometheus_scrapes_a_web_process_by_ip_over_http(client: Client, settings) -> None:
    # Production settings as the README gives them: HTTPS redirect, the public host only.
    settings.ALLOWED_HOSTS = ["shop.example.in"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/metrics", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert "django_http_requests_total_by_method_total" in response.content.decode()


def test_the_front_page_is_the_web_shop_and_sets_the_csrf_cookie_its_api_calls_send(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'src="/static/shop/storefront.js"' in page
    assert 'href="/about/"' in page
    assert response.cookies["csrftoken"].value


def test_the_about_page_points_to_the_shop_the_api_docs_the_admin_and_the_probes(client: Client) -> None:
    response = client.get("/about/")

    assert response.status_code == 200
    page = response.content.decode()
    for link in ('href="/"', 'href="/api/docs/"', 'href="/admin/"', 'href="/healthz"', 'href="/readyz"'):
        assert link in page
    assert "Running in production mode" in page  # the tests run on PostgreSQL and Redis


@pytest.mark.django_db
def test_readyz_checks_database_and_redis(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_when_redis_is_unreachable(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache.backends.redis import RedisCache

    from shop import views

    dead_redis = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    monkeypatch.setattr(views, "cache", dead_redis)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["cache"].startswith("error: ConnectionError")


@pytest.mark.django_db
def test_openapi_schema_and_swagger_ui(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/register/" in paths
    assert "/api/v1/addresses/{id}/" in paths
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_every_operation_documents_the_error_shape_and_errors_answer_it(client: Client) -> None:
    """A client generated from the schema knows how a refusal reads: 4XX and 5XX on every
    operation (unless it names its own), the Error component, and real errors that fit it."""
    from tests.accounts.factories import UserFactory
    from tests.openapi import assert_matches_schema

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("4") for code in operation["responses"])
        or not any(code.startswith("5") for code in operation["responses"])
    ]
    assert undocumented == []
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]

    anonymous = client.get("/api/v1/orders/")
    client.force_login(UserFactory())
    invalid = client.post("/api/v1/addresses/", {"pincode": "012345"}, content_type="application/json")
    missing = client.get(f"/api/v1/orders/{uuid.uuid4()}/")

    for response, path, method in [
        (anonymous, "/api/v1/orders/", "get"),
        (invalid, "/api/v1/addresses/", "post"),
        (missing, "/api/v1/orders/{order_id}/", "get"),
    ]:
        assert 400 <= response.status_code < 500
        assert_matches_schema(response.json(), path, method, response.status_code)
    assert set(invalid.json()["error"]["fields"]) >= {"pincode"}


def test_unknown_api_path_answers_json_404(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such page.", "fields": {}}}


@pytest.mark.django_db
def test_malformed_json_answers_400_in_error_shape(client: Client) -> None:
    response = client.post("/api/v1/auth/register/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
def test_no_two_apps_serializers_share_a_schema_component(client: Client) -> None:
    """drf-spectacular keeps only one of two serializers with the same component name, and
    the schema then describes one app's payload with the other's fields."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    assert set(components["RefundOutput"]["properties"]) >= {"refund_id", "at"}  # the order's refunds
    assert set(components["PaymentRefundOutput"]["properties"]) >= {"razorpay_refund_id", "idempotency_key"}


def test_the_schema_generates_without_warnings(tmp_path) -> None:
    """A warning means a component or an enum the generator had to guess a name for (or,
    worse, merged): `--fail-on-warn` turns any into an error."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "OrderStatusEnum" in (tmp_path / "schema.yaml").read_text()


@pytest.mark.django_db
def test_the_web_shop_page_says_who_is_signed_in(client: Client) -> None:
    from tests.accounts.factories import UserFactory

    assert '<script id="signed-in" type="application/json">null</script>' in client.get("/").content.decode()

    user = UserFactory(email="asha@example.in", full_name="Asha <b>")
    client.force_login(user)
    page = client.get("/").content.decode()

    assert '"email": "asha@example.in"' in page
    assert "Asha \\u003Cb\\u003E" in page  # escaped: a name cannot break out of the script element


def test_every_page_has_the_shops_icon_and_no_404_for_favicon_ico(client: Client) -> None:
    asked = client.get("/favicon.ico")
    assert asked.status_code == 301
    assert asked["Location"].endswith(".svg")
    icon = client.get(asked["Location"])
    assert icon.status_code == 200
    body = b"".join(getattr(icon, "streaming_content", [])) if icon.streaming else icon.content
    assert b"<svg" in body
    assert 'rel="icon"' in client.get("/").content.decode()
