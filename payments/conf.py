"""Payments settings, read from Django settings first, then the environment, then a local default.

With nothing set, the app talks to the local fake Razorpay on 127.0.0.1 with keys that
only the fake accepts. Those defaults are refused against any non-local base URL.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Keys the local fake accepts. They are not secrets: they open nothing but the fake.
LOCAL_KEY_ID = "rzp_test_local"
LOCAL_KEY_SECRET = "local-fake-razorpay-key-secret"  # noqa: S105 - fake-only, refused off loopback
LOCAL_WEBHOOK_SECRET = "local-fake-razorpay-webhook-secret"  # noqa: S105 - fake-only, refused off loopback
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

DEFAULTS: dict[str, Any] = {
    "RAZORPAY_KEY_ID": LOCAL_KEY_ID,
    "RAZORPAY_KEY_SECRET": LOCAL_KEY_SECRET,
    "RAZORPAY_WEBHOOK_SECRET": LOCAL_WEBHOOK_SECRET,
    "RAZORPAY_BASE_URL": "http://127.0.0.1:9100",
    # Seconds to connect / to wait for an answer; the SDK has no default timeout.
    "RAZORPAY_CONNECT_TIMEOUT": 3.0,
    "RAZORPAY_READ_TIMEOUT": 10.0,
    # The largest webhook body accepted; Razorpay's are a few KB.
    "PAYMENTS_WEBHOOK_MAX_BYTES": 256 * 1024,
    # An intent still created/attempted after this long is fetched by the reconciler.
    "PAYMENTS_STUCK_AFTER_SECONDS": 15 * 60,
    # Razorpay may late-authorise a failed payment for 3 days: watch failed intents that long.
    "PAYMENTS_LATE_AUTH_WINDOW_SECONDS": 3 * 24 * 3600,
    "PAYMENTS_RECONCILE_EVERY_SECONDS": 60.0,
    # Our orders auto-capture: an authorisation still uncaptured after this long we capture ourselves.
    "PAYMENTS_CAPTURE_GRACE_SECONDS": 300,
    # The circuit breaker: this many timeouts or server errors within the window pause calls
    # to Razorpay for the cooldown (they fail at once and are retried later).
    "PAYMENTS_BREAKER_FAILURES": 5,
    "PAYMENTS_BREAKER_WINDOW_SECONDS": 30.0,
    "PAYMENTS_BREAKER_COOLDOWN_SECONDS": 30.0,
    # Shown in Razorpay's checkout.
    "PAYMENTS_MERCHANT_NAME": "Grocery shop",
}
_FLOATS = {
    "RAZORPAY_CONNECT_TIMEOUT",
    "RAZORPAY_READ_TIMEOUT",
    "PAYMENTS_RECONCILE_EVERY_SECONDS",
    "PAYMENTS_BREAKER_WINDOW_SECONDS",
    "PAYMENTS_BREAKER_COOLDOWN_SECONDS",
}
_INTS = {
    "PAYMENTS_BREAKER_FAILURES",
    "PAYMENTS_CAPTURE_GRACE_SECONDS",
    "PAYMENTS_WEBHOOK_MAX_BYTES",
    "PAYMENTS_STUCK_AFTER_SECONDS",
    "PAYMENTS_LATE_AUTH_WINDOW_SECONDS",
}


def get(name: str) -> Any:
    """A payments setting: Django settings, else the environment, else the default."""
    value = getattr(settings, name, os.environ.get(name, DEFAULTS[name]))
    if name in _FLOATS:
        return float(value)
    if name in _INTS:
        return int(value)
    return value


def key_id() -> str:
    return str(get("RAZORPAY_KEY_ID"))


def key_secret() -> str:
    return str(get("RAZORPAY_KEY_SECRET"))


def webhook_secret() -> str:
    return str(get("RAZORPAY_WEBHOOK_SECRET"))


def base_url() -> str:
    return str(get("RAZORPAY_BASE_URL")).rstrip("/")


def timeout() -> tuple[float, float]:
    return (get("RAZORPAY_CONNECT_TIMEOUT"), get("RAZORPAY_READ_TIMEOUT"))


def is_local() -> bool:
    """True when the base URL points at this machine (the fake)."""
    return (urlsplit(base_url()).hostname or "") in LOCAL_HOSTS


def check() -> None:
    """Refuse the fake-only defaults against anything but a loopback Razorpay."""
    if is_local():
        return
    local = [
        name
        for name, default in (
            ("RAZORPAY_KEY_ID", LOCAL_KEY_ID),
            ("RAZORPAY_KEY_SECRET", LOCAL_KEY_SECRET),
            ("RAZORPAY_WEBHOOK_SECRET", LOCAL_WEBHOOK_SECRET),
        )
        if str(get(name)) == default or not str(get(name))
    ]
    if local:
        raise ImproperlyConfigured(
            f"RAZORPAY_BASE_URL={base_url()} is not local, but {', '.join(local)} "
            "still hold the local fake's values: set the real keys."
        )


def deploy_warnings() -> list[str]:
    """What `manage.py check --deploy` says about payments (payments.checks)."""
    host = urlsplit(str(get("RAZORPAY_BASE_URL"))).hostname or ""
    if host in LOCAL_HOSTS:
        return [
            f"RAZORPAY_BASE_URL is {get('RAZORPAY_BASE_URL')}, the local fake Razorpay: no real payment can be taken."
        ]
    return []
