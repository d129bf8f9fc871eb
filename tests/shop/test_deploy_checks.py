"""`manage.py check --deploy` names the settings that would fail customers in production."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from payments.checks import check_razorpay
from shop.checks import check_production_settings


def _ids(messages) -> set[str]:  # type: ignore[no-untyped-def]
    return {message.id for message in messages}


@override_settings(EMAIL_HOST="", SHOP_PUBLIC_URL="http://127.0.0.1:8000", SHOP_STAFF_EMAILS=["ops@demo.shop.in"])
def test_laptop_defaults_are_named_with_what_to_set() -> None:
    found = check_production_settings()
    assert _ids(found) == {"shop.W001", "shop.W002", "shop.W003"}
    assert "EMAIL_HOST" in found[0].msg
    assert "Set SHOP_PUBLIC_URL" in (found[1].hint or "")


@override_settings(
    EMAIL_HOST="smtp.example.in", SHOP_PUBLIC_URL="https://shop.example.in", SHOP_STAFF_EMAILS=["oncall@example.in"]
)
def test_production_settings_pass() -> None:
    assert check_production_settings() == []


@override_settings(RAZORPAY_BASE_URL="http://127.0.0.1:9100")
def test_the_local_fake_razorpay_is_a_deploy_warning() -> None:
    assert _ids(check_razorpay()) == {"payments.W001"}


@override_settings(
    RAZORPAY_BASE_URL="https://api.razorpay.com",
    RAZORPAY_KEY_ID="rzp_live_x",
    RAZORPAY_KEY_SECRET="s",
    RAZORPAY_WEBHOOK_SECRET="w",
)
def test_the_real_razorpay_passes() -> None:
    assert check_razorpay() == []


@override_settings(EMAIL_HOST="", SHOP_STAFF_EMAILS=["ops@demo.shop.in"])
def test_the_command_fails_a_release_that_asks_it_to() -> None:
    with pytest.raises(SystemCheckError, match=r"shop\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING")


@override_settings(
    EMAIL_HOST="smtp.example.in",
    SHOP_PUBLIC_URL="https://shop.example.in",
    SHOP_STAFF_EMAILS=["oncall@example.in"],
    RAZORPAY_BASE_URL="https://api.razorpay.com",
    RAZORPAY_KEY_ID="rzp_live_x",
    RAZORPAY_KEY_SECRET="s",
    RAZORPAY_WEBHOOK_SECRET="w",
    SECRET_KEY="k3y-" + "x7Qz9pL2mN4vB8cR1tY6uI0oP5aS3dF" * 2,
    DEBUG=False,
    ALLOWED_HOSTS=["shop.example.in"],
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_SSL_REDIRECT=True,  # DJANGO_SSL_REDIRECT=1
    SECURE_HSTS_SECONDS=31536000,  # DJANGO_HSTS_SECONDS
)
def test_a_release_configured_as_the_readme_says_passes_the_deploy_check() -> None:
    call_command("check", "--deploy", "--fail-level", "WARNING")
