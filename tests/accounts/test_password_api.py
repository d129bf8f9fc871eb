"""Forgotten and changed passwords: the reset link by mail, its one use, and every other login ended."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
CHANGE = "/api/v1/auth/password/change/"
LOGIN = "/api/v1/auth/login/"
ME = "/api/v1/auth/me/"
NEW_PASSWORD = "mango-pickle-on-tuesday"
LINK_INVALID = "This reset link has expired or was already used: ask for a new one."

Capture = Callable[..., Any]


def _ask_reset(client: APIClient, capture: Capture, email: str, **extra: Any) -> Any:
    """POST the reset request and run what waits for the commit (the mail is sent then)."""
    with capture(execute=True):
        return client.post(RESET, {"email": email}, format="json", **extra)


def _link(message: mail.EmailMessage) -> str:
    links = re.findall(r"https?://\S+", str(message.body))
    assert len(links) == 1, message.body
    return links[0]


def _uid_and_token(link: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(urlsplit(link).fragment).query)
    return query["uid"][0], query["token"][0]


def _token_client(user: User) -> tuple[APIClient, str]:
    client = APIClient()
    key = Token.objects.get_or_create(user=user)[0].key  # one per user: a login's, if any
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def _session_client(user: User) -> APIClient:
    client = APIClient()
    assert client.post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json").status_code == 200
    client.credentials()  # from here on the session cookie alone
    return client


# --- Asking for a link ---------------------------------------------------------------------


@override_settings(SHOP_PUBLIC_URL="https://shop.example.in/")
def test_reset_answers_the_same_for_an_account_and_for_no_account_and_mails_only_the_account(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture
) -> None:
    user = UserFactory(email="asha@example.in", full_name="Asha Rao")

    known = _ask_reset(api_client, django_capture_on_commit_callbacks, "Asha@Example.in")
    unknown = _ask_reset(api_client, django_capture_on_commit_callbacks, "nobody@example.in")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.json()["detail"].startswith("If an account exists for that address, we have sent it a link")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["asha@example.in"]
    assert message.subject == "Reset your password"
    assert "Hello Asha Rao" in str(message.body)
    link = _link(message)
    assert re.fullmatch(r"https://shop\.example\.in/#/reset-password\?uid=[\w-]+&token=[\w-]+", link)
    uid, token = _uid_and_token(link)
    assert uid == urlsafe_base64_encode(force_bytes(user.pk))
    assert default_token_generator.check_token(user, token)


def test_reset_mails_nothing_to_an_inactive_account_or_one_without_a_password(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture
) -> None:
    UserFactory(email="gone@example.in", is_active=False)
    no_password = UserFactory(email="sso@example.in")
    no_password.set_unusable_password()
    no_password.save()

    answers = [
        _ask_reset(api_client, django_capture_on_commit_callbacks, email)
        for email in ("gone@example.in", "sso@example.in")
    ]

    assert [answer.status_code for answer in answers] == [202, 202]
    assert mail.outbox == []


def test_reset_mail_waits_for_the_commit(api_client: APIClient, django_capture_on_commit_callbacks: Capture) -> None:
    UserFactory(email="asha@example.in")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert api_client.post(RESET, {"email": "asha@example.in"}, format="json").status_code == 202
        assert mail.outbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [["asha@example.in"]]


def test_reset_with_a_malformed_email_is_400_on_the_field(api_client: APIClient) -> None:
    response = api_client.post(RESET, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]


def test_reset_is_throttled_per_ip(api_client: APIClient, django_capture_on_commit_callbacks: Capture) -> None:
    UserFactory(email="asha@example.in")
    emails = [f"someone{n}@example.in" for n in range(5)] + ["asha@example.in"]

    codes = [_ask_reset(api_client, django_capture_on_commit_callbacks, email).status_code for email in emails]

    assert codes == [202] * 5 + [429]
    assert mail.outbox == []  # the sixth, for a real account, was refused before anything happened
    body = api_client.post(RESET, {"email": "asha@example.in"}, format="json").json()
    assert body["error"]["code"] == "throttled"
    assert re.fullmatch(r"Too many requests: try again in (\d+ h )?\d+ (min( \d+ s)?|s)\.", body["error"]["message"])
    # Another address (IP) may still ask.
    assert (
        _ask_reset(
            api_client, django_capture_on_commit_callbacks, "asha@example.in", REMOTE_ADDR="10.0.0.9"
        ).status_code
        == 202
    )


def test_reset_is_throttled_per_email_whatever_the_ip(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture
) -> None:
    UserFactory(email="asha@example.in")

    codes = [
        _ask_reset(api_client, django_capture_on_commit_callbacks, email, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n, email in enumerate(
            [
                "asha@example.in",
                "ASHA@example.in",
                "asha@example.in",
                "asha@example.in",
                "asha@example.in",
                "Asha@example.in",
            ]
        )
    ]

    assert codes == [202] * 5 + [429]
    assert len(mail.outbox) == 5
    assert (
        _ask_reset(
            api_client, django_capture_on_commit_callbacks, "ravi@example.in", REMOTE_ADDR="10.0.0.99"
        ).status_code
        == 202
    )


# --- Choosing a new password with the link ---------------------------------------------------


def _mailed_link(api_client: APIClient, capture: Capture, email: str) -> tuple[str, str]:
    assert _ask_reset(api_client, capture, email).status_code == 202
    return _uid_and_token(_link(mail.outbox[-1]))


def test_confirm_sets_the_password_and_ends_every_other_login(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture
) -> None:
    user = UserFactory(email="asha@example.in")
    browser = _session_client(user)
    app, old_key = _token_client(User.objects.get(pk=user.pk))
    assert browser.get(ME).status_code == 200
    assert app.get(ME).status_code == 200
    uid, token = _mailed_link(api_client, django_capture_on_commit_callbacks, "asha@example.in")

    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"email": "asha@example.in"}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(key=old_key).exists()
    assert app.get(ME).status_code == 401
    assert browser.get(ME).status_code in (401, 403)  # the session of the old password is over
    fresh = APIClient()
    assert fresh.post(LOGIN, {"email": "asha@example.in", "password": PASSWORD}, format="json").status_code == 401
    assert fresh.post(LOGIN, {"email": "asha@example.in", "password": NEW_PASSWORD}, format="json").status_code == 200


def test_a_used_link_is_refused_with_the_reason(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture
) -> None:
    user = UserFactory(email="asha@example.in")
    uid, token = _mailed_link(api_client, django_capture_on_commit_callbacks, "asha@example.in")
    assert (
        api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json").status_code
        == 200
    )

    again = api_client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": "another-fine-password"}, format="json"
    )

    assert again.status_code == 400
    assert again.json()["error"] == {
        "code": "invalid_reset_link",
        "message": LINK_INVALID,
        "fields": {"token": [LINK_INVALID]},
    }
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    user = UserFactory(email="asha@example.in")
    uid, token = _mailed_link(api_client, django_capture_on_commit_callbacks, "asha@example.in")
    later = PasswordResetTokenGenerator._now(default_token_generator) + timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 1
    )
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == LINK_INVALID
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, token: {"uid": uid, "token": "garbage-token"},
        lambda uid, token: {"uid": uid, "token": token[:-1] + ("0" if token[-1] != "0" else "1")},
        lambda uid, token: {"uid": "not-base64!", "token": token},
        lambda uid, token: {"uid": urlsafe_base64_encode(b"not-a-uuid"), "token": token},
        lambda uid, token: {
            "uid": urlsafe_base64_encode(force_bytes(UserFactory().pk)),
            "token": token,
        },  # someone else
    ],
    ids=["garbage token", "altered token", "garbage uid", "uid not a user id", "another user's uid"],
)
def test_a_bad_link_is_refused_and_changes_nothing(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture, tamper: Callable[[str, str], dict[str, str]]
) -> None:
    user = UserFactory(email="asha@example.in")
    _, key = _token_client(user)
    uid, token = _mailed_link(api_client, django_capture_on_commit_callbacks, "asha@example.in")

    response = api_client.post(CONFIRM, {**tamper(uid, token), "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_link"
    assert response.json()["error"]["message"] == LINK_INVALID
    assert not any(other.check_password(NEW_PASSWORD) for other in User.objects.all())
    assert Token.objects.filter(key=key).exists()


@pytest.mark.parametrize("weak", ["short", "12345678", "password123", "asha@example.in"])
def test_a_weak_new_password_is_400_on_the_field_and_the_link_still_works(
    api_client: APIClient, django_capture_on_commit_callbacks: Capture, weak: str
) -> None:
    user = UserFactory(email="asha@example.in")
    uid, token = _mailed_link(api_client, django_capture_on_commit_callbacks, "asha@example.in")

    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": weak}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["new_password"]
    assert error["message"].startswith("new_password: ")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert (
        api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json").status_code
        == 200
    )


# --- Changing the password, logged in -------------------------------------------------------


def test_change_password_needs_a_login(api_client: APIClient) -> None:
    response = api_client.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 401


def test_change_password_with_a_wrong_current_password_is_400_on_that_field(customer: User) -> None:
    client, key = _token_client(customer)

    response = client.post(CHANGE, {"current_password": "not-my-password", "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"current_password": ["Your current password is not right."]}
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert Token.objects.filter(key=key).exists()


def test_change_password_to_a_weak_one_is_400_on_the_new_password(customer: User) -> None:
    client, _ = _token_client(customer)

    response = client.post(CHANGE, {"current_password": PASSWORD, "new_password": "12345678"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["new_password"]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_change_password_by_token_answers_a_new_token_and_ends_the_others(customer: User) -> None:
    browser = _session_client(customer)
    client, old_key = _token_client(User.objects.get(pk=customer.pk))

    response = client.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old_key
    assert response.json()["user"]["email"] == customer.email
    assert list(Token.objects.filter(user=customer).values_list("key", flat=True)) == [new_key]
    assert client.get(ME).status_code == 401  # the old token is dead
    client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert client.get(ME).status_code == 200
    assert browser.get(ME).status_code in (401, 403)  # other sessions are over
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_change_password_in_the_web_session_keeps_that_session_and_ends_the_others(customer: User) -> None:
    this_browser = _session_client(customer)
    other_browser = _session_client(customer)
    old_key = Token.objects.get(user=customer).key  # the login's

    response = this_browser.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 200
    assert this_browser.get(ME).status_code == 200
    assert other_browser.get(ME).status_code in (401, 403)
    assert not Token.objects.filter(key=old_key).exists()


def test_change_password_is_throttled(customer: User) -> None:
    client, _ = _token_client(customer)

    codes = [
        client.post(CHANGE, {"current_password": "guess", "new_password": NEW_PASSWORD}, format="json").status_code
        for _ in range(11)
    ]

    assert codes == [400] * 10 + [429]


def test_the_password_endpoints_are_in_the_schema(api_client: APIClient) -> None:
    paths = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert {
        "/api/v1/auth/password/reset/",
        "/api/v1/auth/password/reset/confirm/",
        "/api/v1/auth/password/change/",
    } <= set(paths)
    assert "202" in paths["/api/v1/auth/password/reset/"]["post"]["responses"]
