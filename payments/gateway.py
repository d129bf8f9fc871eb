"""The one place that talks to Razorpay, through the official SDK, with a timeout on every call."""

from __future__ import annotations

import threading
from typing import Any

import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from shop.resilience import CircuitBreaker, CircuitOpen

from . import conf


class GatewayProblem(Exception):
    """Base of what this module raises."""


class Unknown(GatewayProblem):
    """Timeout or connection failure: Razorpay may or may not have acted."""


class Rejected(GatewayProblem):
    """Razorpay refused the request (4xx): retrying the same request will not help."""


class Unavailable(GatewayProblem):
    """Razorpay answered with a server or gateway error: it did not act; retry later."""


_clients = threading.local()


def client(*, retry: bool = False) -> razorpay.Client:
    """An SDK client for the configured base URL (the fake on 127.0.0.1 by default).

    One per thread and configuration: the SDK's requests session keeps its connection to
    Razorpay alive, instead of a new TCP and TLS handshake for every call.
    """
    conf.check()
    key = (conf.key_id(), conf.key_secret(), conf.base_url(), retry)
    cached: dict[tuple[str, str, str, bool], razorpay.Client] = _clients.__dict__.setdefault("by_config", {})
    if key not in cached:
        cached[key] = _new_client(retry=retry)
    return cached[key]


class _Client(razorpay.Client):
    """The SDK's client, without the per-call work that gives the same answer every time.

    The SDK looks its own version up in the installed packages' metadata on every request
    (for the User-Agent), and requests reads the proxy variables of the environment on
    every request. Both are read once, when the client is made: the client only ever talks
    to one base URL, so the proxies for that URL (NO_PROXY included) cannot change under it.
    The SDK passes the auth and the CA bundle itself, so nothing else of the environment
    applies (`trust_env`: netrc, REQUESTS_CA_BUNDLE).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._version = super()._get_version()
        self.session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.session.trust_env = False

    def _get_version(self) -> str:
        return str(self._version)


def _new_client(*, retry: bool) -> razorpay.Client:
    sdk = _Client(auth=(conf.key_id(), conf.key_secret()), base_url=conf.base_url())
    # Retries resend POSTs: only where Razorpay dedupes them (refunds with their header).
    sdk.enable_retry(retry)
    if retry:
        sdk.max_retries, sdk.initial_delay, sdk.max_delay = 3, 0.2, 2
    sdk.set_app_details({"title": "grocery-shop", "version": "1"})
    return sdk


def breaker() -> CircuitBreaker:
    """Razorpay's circuit breaker: after PAYMENTS_BREAKER_FAILURES timeouts or server errors
    within PAYMENTS_BREAKER_WINDOW_SECONDS, calls fail at once (Unavailable) for
    PAYMENTS_BREAKER_COOLDOWN_SECONDS, instead of each waiting for its timeout while the
    worker's other events queue behind it."""
    return CircuitBreaker(
        "razorpay",
        failures=conf.get("PAYMENTS_BREAKER_FAILURES"),
        window=conf.get("PAYMENTS_BREAKER_WINDOW_SECONDS"),
        cooldown=conf.get("PAYMENTS_BREAKER_COOLDOWN_SECONDS"),
    )


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    circuit = breaker()
    try:
        had_failures = circuit.before_call()
    except CircuitOpen as exc:
        raise Unavailable(str(exc)) from exc  # not sent: Razorpay did not act
    try:
        answer = fn(*args, timeout=conf.timeout(), **kwargs)
    except (requests.Timeout, requests.ConnectionError) as exc:
        circuit.failed()
        raise Unknown(str(exc) or type(exc).__name__) from exc
    except BadRequestError as exc:
        circuit.succeeded(had_failures)  # Razorpay is up, and said no
        raise Rejected(str(exc)) from exc
    except (GatewayError, ServerError, requests.RequestException, ValueError) as exc:
        # ValueError: a body that is not JSON (a proxy's error page).
        circuit.failed()
        raise Unavailable(str(exc) or type(exc).__name__) from exc
    circuit.succeeded(had_failures)
    return answer


def create_order(*, amount_paise: int, receipt: str, notes: dict[str, str]) -> dict[str, Any]:
    """POST /v1/orders, never retried by the SDK: orders have no idempotency key."""
    data = {
        "amount": amount_paise,
        "currency": "INR",
        "receipt": receipt,
        "notes": notes,
        "payment": {"capture": "automatic"},
    }
    return dict(_call(client().order.create, data))


def find_order_by_receipt(receipt: str) -> dict[str, Any] | None:
    """The Razorpay order carrying our receipt, if one was created."""
    found = _call(client(retry=True).order.all, {"receipt": receipt})
    items = found.get("items") or []
    return dict(items[0]) if items else None


def order_payments(razorpay_order_id: str) -> list[dict[str, Any]]:
    return list(_call(client(retry=True).order.payments, razorpay_order_id).get("items") or [])


def fetch_payment(payment_id: str) -> dict[str, Any]:
    return dict(_call(client(retry=True).payment.fetch, payment_id))


def capture_payment(*, payment_id: str, amount_paise: int) -> dict[str, Any]:
    """Capture the full authorised amount (Razorpay allows nothing else)."""
    return dict(_call(client().payment.capture, payment_id, amount_paise, {"currency": "INR"}))


def refund_payment(
    *, payment_id: str, amount_paise: int, speed: str, receipt: str, idempotency_key: str, notes: dict[str, str]
) -> dict[str, Any]:
    """POST /v1/payments/{id}/refund with X-Refund-Idempotency: safe to retry with the same body."""
    data = {"amount": amount_paise, "speed": speed, "receipt": receipt, "notes": notes}
    return dict(
        _call(client(retry=True).payment.refund, payment_id, data, headers={"X-Refund-Idempotency": idempotency_key})
    )


def payment_refunds(payment_id: str) -> list[dict[str, Any]]:
    """Every refund Razorpay holds for the payment (GET /v1/payments/{id}/refunds)."""
    return list(_call(client(retry=True).payment.fetch_multiple_refund, payment_id).get("items") or [])


def fetch_refund(refund_id: str) -> dict[str, Any]:
    return dict(_call(client(retry=True).refund.fetch, refund_id))


def payment_signature_ok(*, stored_order_id: str, payment_id: str, signature: str) -> bool:
    """Checkout's signature, checked against the Razorpay order id WE stored (constant time)."""
    sdk = client()  # this thread's: a new SDK client builds a requests session each time
    params = {"razorpay_order_id": stored_order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature}
    try:
        return bool(sdk.utility.verify_payment_signature(params))
    except (SignatureVerificationError, TypeError):  # TypeError: a non-ASCII signature
        return False


def webhook_signature_ok(*, body: bytes, signature: str) -> bool:
    """X-Razorpay-Signature over the raw bytes (the SDK wants them as str)."""
    if not signature:
        return False
    sdk = client()
    try:
        return bool(sdk.utility.verify_webhook_signature(body.decode("utf-8"), signature, conf.webhook_secret()))
    except (SignatureVerificationError, UnicodeDecodeError, TypeError):
        return False
