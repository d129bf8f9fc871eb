"""What the fake's modules share: Razorpay's error answer, ids, signatures, knobs."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{10,}$")
MIN_AMOUNT = 100


class ApiFailure(Exception):
    """A Razorpay error answer: HTTP status and the error body Razorpay sends."""

    def __init__(self, status: int, description: str, *, field: str | None = None, code: str = "BAD_REQUEST_ERROR"):
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {
            "error": {
                "code": code,
                "description": description,
                "field": field,
                "source": "business",
                "step": "payment_initiation",
                "reason": "input_validation_failed",
                "metadata": {},
            }
        }


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(7)}"


def _notes(value: Any) -> Any:
    # Razorpay serialises an empty notes object as [], and webhook consumers must cope.
    return value if value else []


def sign(secret: str, message: str | bytes) -> str:
    """hex(HMAC_SHA256(secret, message)), as Razorpay signs callbacks and webhooks."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


@dataclass
class Knobs:
    """Misbehaviours a test or the demo can switch on."""

    #: The next N order creations are stored, then answered only after `timeout_delay` s.
    timeout_next_order_creates: int = 0
    #: The next N refund creations are stored, then answered only after `timeout_delay` s.
    timeout_next_refunds: int = 0
    timeout_delay: float = 2.0
    #: Send every webhook twice (same event id).
    duplicate_webhooks: bool = False
    #: Send each batch of webhooks newest first (payment.captured before payment.authorized).
    reverse_webhooks: bool = False
    #: Seconds to wait before sending each webhook (auto delivery only).
    webhook_delay: float = 0.0
    #: Refunds come back failed (refund.failed webhook) instead of processed.
    fail_refunds: bool = False
    #: Razorpay is down: every API call (not the fake's own controls) is answered 503.
    outage: bool = False


@dataclass
class Outgoing:
    """A signed webhook waiting to be sent."""

    event_id: str
    body: bytes
    signature: str


def public(entity: dict[str, Any]) -> dict[str, Any]:
    """The entity as the API shows it (without the fake's private fields)."""
    return {k: v for k, v in entity.items() if not k.startswith("_")}
