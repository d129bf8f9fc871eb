"""Registration, login, logout and profile, against PostgreSQL."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"


def _register(client: APIClient, **overrides: str):
    body = {"email": "asha@example.in", "password": PASSWORD, "full_name": "Asha Rao", "phone": "9876543210"}
    body.update(overrides)
    return client.post(REGISTER, body, format="json")


def test_register_creates_customer_and_returns_a_working_token(api_client: APIClient) -> None:
    response = _register(api_client)

    assert response.status_code == 201
    user = User.objects.get(email="asha@example.in")
    assert str(user.phone) == "+919876543210"  # national number stored in E.164, +91 by default
    assert not user.is_staff
    assert response.json()["token"] == Token.objects.get(user=user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api_client.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "asha@example.in"
    assert me.json()["phone"] == "+919876543210"


def test_register_lowercases_email(api_client: APIClient) -> None:
    assert _register(api_client, email="Asha@Example.IN").status_code == 201
    assert User.objects.filter(email="asha@example.in").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "12345678"}, "password"),  # numeric and common
        ({"password": "short"}, "password"),
        ({"password": "asha@example.in"}, "password"),  # too similar to the email
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 202 555"}, "phone"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_register_bad_input_answers_400_in_error_shape_and_writes_nothing(
    api_client: APIClient, overrides: dict[str, str], field: str
) -> None:
    response = _register(api_client, **overrides)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["message"]
    assert User.objects.count() == 0
    assert Token.objects.count() == 0


def test_register_duplicate_email_is_refused_whatever_its_case(api_client: APIClient) -> None:
    UserFactory(email="asha@example.in")

    response = _register(api_client, email="ASHA@example.in")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["email"] == ["A user with this email already exists."]
    assert User.objects.count() == 1


def test_login_returns_token_and_starts_a_session(api_client: APIClient) -> None:
    user = UserFactory(email="ravi@example.in")

    response = api_client.post(LOGIN, {"email": "Ravi@example.in", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key
    assert response.json()["user"]["id"] == str(user.id)
    # The session cookie alone authenticates the web client.
    assert api_client.get("/api/v1/auth/me/").json()["email"] == "ravi@example.in"


def test_login_with_wrong_password_is_401(api_client: APIClient) -> None:
    UserFactory(email="ravi@example.in")

    response = api_client.post(LOGIN, {"email": "ravi@example.in", "password": "wrong-password"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert Token.objects.count() == 0


def test_login_is_throttled(api_client: APIClient, settings) -> None:
    UserFactory(email="ravi@example.in")
    codes = [
        api_client.post(LOGIN, {"email": "ravi@example.in", "password": "wrong"}, format="json").status_code
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    body = api_client.post(LOGIN, {"email": "ravi@example.in", "password": PASSWORD}, format="json").json()
    assert body["error"]["code"] == "throttled"
    assert re.fullmatch(r"Too many requests: try again in \d+ (s|min( \d+ s)?)\.", body["error"]["message"])


def test_logout_revokes_token(customer_client: APIClient) -> None:
    assert customer_client.post("/api/v1/auth/logout/").status_code == 204
    assert Token.objects.count() == 0
    assert customer_client.get("/api/v1/auth/me/").status_code == 401


def test_me_requires_authentication(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_patch_updates_profile_and_validates_phone(customer_client: APIClient, customer: User) -> None:
    ok = customer_client.patch("/api/v1/auth/me/", {"full_name": "New Name", "phone": "+91 99000 11122"})
    assert ok.status_code == 200
    assert ok.json()["phone"] == "+919900011122"

    bad = customer_client.patch("/api/v1/auth/me/", {"phone": "abc"})
    assert bad.status_code == 400
    customer.refresh_from_db()
    assert str(customer.phone) == "+919900011122"


def test_staff_can_log_into_admin(client) -> None:
    User.objects.create_superuser("admin@example.in", PASSWORD)
    assert client.login(email="admin@example.in", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/address/").status_code == 200


def test_customer_cannot_use_admin(client) -> None:
    UserFactory(email="c@example.in")
    client.login(email="c@example.in", password=PASSWORD)
    assert client.get("/admin/").status_code == 302
