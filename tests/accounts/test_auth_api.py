"""Registration, login, logout and profile, against PostgreSQL."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.accounts.api.views import LoginFailuresThrottle
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


def test_a_forwarded_for_header_does_not_escape_the_login_limit(api_client: APIClient) -> None:
    # No proxy is configured (SHOP_NUM_PROXIES=0): the limit is per REMOTE_ADDR, whatever
    # address the client claims to forward for.
    codes = [
        api_client.post(
            LOGIN,
            {"email": f"guess{n}@example.in", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.9.0.{n}",
        ).status_code
        for n in range(11)
    ]
    assert codes == [401] * 10 + [429]


def test_failed_logins_are_limited_per_email_from_any_address(api_client: APIClient, monkeypatch) -> None:
    monkeypatch.setattr(LoginFailuresThrottle, "rate", "3/hour", raising=False)
    UserFactory(email="ravi@example.in")
    wrong = [
        api_client.post(
            LOGIN, {"email": "Ravi@example.in", "password": "wrong"}, format="json", REMOTE_ADDR=f"10.0.1.{n}"
        ).status_code
        for n in range(4)
    ]
    assert wrong == [401, 401, 401, 429]
    # Even the right password waits now: the guesser cannot tell when they found it.
    right = api_client.post(LOGIN, {"email": "ravi@example.in", "password": PASSWORD}, format="json")
    assert (right.status_code, right.json()["error"]["code"]) == (429, "throttled")
    # Another customer is not held up by it.
    UserFactory(email="asha@example.in")
    assert api_client.post(LOGIN, {"email": "asha@example.in", "password": PASSWORD}, format="json").status_code == 200


def test_a_good_login_clears_the_failures_and_is_not_counted(api_client: APIClient, monkeypatch) -> None:
    monkeypatch.setattr(LoginFailuresThrottle, "rate", "2/hour", raising=False)
    UserFactory(email="ravi@example.in")
    good = {"email": "ravi@example.in", "password": PASSWORD}
    bad = {"email": "ravi@example.in", "password": "wrong"}
    codes = [
        api_client.post(LOGIN, body, format="json", REMOTE_ADDR=f"10.0.2.{n}").status_code
        for n, body in enumerate([bad, good, bad, good, good, good])
    ]
    assert codes == [401, 200, 401, 200, 200, 200]


def test_login_takes_json_only_so_a_cross_site_form_cannot_log_a_visitor_in(api_client: APIClient) -> None:
    # A hostile page's <form> can post urlencoded, multipart or text/plain, never JSON; the
    # login (no CSRF token: the visitor has no session yet) refuses those, setting no cookie.
    UserFactory(email="attacker@example.in")
    form = api_client.post(
        LOGIN,
        "email=attacker%40example.in&password=" + PASSWORD,
        content_type="application/x-www-form-urlencoded",
    )
    plain = api_client.post(
        LOGIN, f'{{"email": "attacker@example.in", "password": "{PASSWORD}"}}', content_type="text/plain"
    )
    for refused in (form, plain):
        assert refused.status_code == 415
        assert "sessionid" not in refused.cookies


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


def test_the_daily_housekeeping_clears_expired_sessions_only(db: None) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from shop.accounts.tasks import clear_expired_sessions_task

    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="current", session_data="", expire_date=now + timedelta(days=1))

    clear_expired_sessions_task()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
