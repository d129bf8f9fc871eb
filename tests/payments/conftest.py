"""Fixtures: a fake Razorpay on a free port that the real SDK talks to over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from payments.fake_razorpay import FakeRazorpay
from payments.fake_razorpay.server import Sender, http_sender

KEY_ID = "rzp_test_suite"
KEY_SECRET = "suite-only-key-secret"
WEBHOOK_SECRET = "suite-only-webhook-secret"
WEBHOOK_PATH = "/payments/razorpay/webhook/"


def client_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """Deliver a webhook through Django's test client, in the test's thread and transaction."""
    response = Client().post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    return response.status_code


def start_fake(settings: Any, *, webhook_url: str, auto_deliver: bool, sender: Sender = http_sender) -> FakeRazorpay:
    """A fake Razorpay on a free port with the suite's keys, and this process's settings
    pointing at it (the caller stops it)."""
    server = FakeRazorpay(
        key_id=KEY_ID,
        key_secret=KEY_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        webhook_url=webhook_url,
        auto_deliver=auto_deliver,
        sender=sender,
    ).start()
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAZORPAY_BASE_URL = server.url
    return server


@pytest.fixture
def fake(settings) -> Iterator[FakeRazorpay]:
    """A fake Razorpay with webhooks held until `fake.deliver_webhooks()`."""
    server = start_fake(settings, webhook_url=WEBHOOK_PATH, auto_deliver=False, sender=client_sender)
    settings.RAZORPAY_CONNECT_TIMEOUT = 2.0
    settings.RAZORPAY_READ_TIMEOUT = 5.0
    yield server
    server.stop()
