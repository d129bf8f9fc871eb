"""Fixtures: a fake Razorpay on a free port that the real SDK talks to over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from payments.fake_razorpay import FakeRazorpay

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


@pytest.fixture
def fake(settings) -> Iterator[FakeRazorpay]:
    """A fake Razorpay with webhooks held until `fake.deliver_webhooks()`."""
    server = FakeRazorpay(
        key_id=KEY_ID,
        key_secret=KEY_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        webhook_url=WEBHOOK_PATH,
        auto_deliver=False,
        sender=client_sender,
    ).start()
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAZORPAY_BASE_URL = server.url
    settings.RAZORPAY_CONNECT_TIMEOUT = 2.0
    settings.RAZORPAY_READ_TIMEOUT = 5.0
    yield server
    server.stop()
