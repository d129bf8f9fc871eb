"""The fake Razorpay HTTP server: the API subset the SDK calls, Basic auth, checkout and webhooks."""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import refunds
from .checkout import callback_form, checkout_page
from .common import ApiFailure, Knobs, Outgoing, sign
from .state import Ledger

log = logging.getLogger("payments.fake_razorpay")

#: Posts one webhook: (url, body, headers) -> HTTP status.
Sender = Callable[[str, bytes, dict[str, str]], int]


def http_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a webhook over HTTP, as Razorpay does."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class FakeRazorpay:
    """A threaded fake Razorpay on 127.0.0.1; `url` is what the SDK takes as base_url."""

    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        webhook_secret: str,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_deliver: bool = True,
        sender: Sender = http_sender,
        webhook_senders: int = 4,
    ) -> None:
        self.ledger = Ledger(key_id=key_id, key_secret=key_secret, webhook_secret=webhook_secret)
        self.knobs = self.ledger.knobs
        self.webhook_url = webhook_url
        self.sender = sender
        self.auto_deliver = auto_deliver
        # Razorpay sends webhooks concurrently: one slow answer does not hold back the rest.
        self.webhook_senders = max(1, webhook_senders)
        self.deliveries: list[tuple[str, int]] = []
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeRazorpay:
        serve = threading.Thread(target=self._httpd.serve_forever, name="fake-razorpay", daemon=True)
        serve.start()
        self._threads.append(serve)
        if self.auto_deliver:
            for n in range(self.webhook_senders):
                deliver = threading.Thread(
                    target=self._deliver_forever, name=f"fake-razorpay-webhooks-{n}", daemon=True
                )
                deliver.start()
                self._threads.append(deliver)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self.ledger.lock:
            self.ledger.outbox_ready.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self.start()
        try:
            while not self._stopping.wait(1.0):
                pass
        finally:
            self.stop()

    # --- what a customer or a test does ------------------------------------------------------

    def pay(self, order_id: str) -> dict[str, str]:
        """Complete checkout successfully; returns the fields posted to the callback."""
        return self.ledger.pay(order_id, succeed=True)

    def fail(self, order_id: str) -> dict[str, str]:
        """Fail the checkout; returns the error fields posted to the callback."""
        return self.ledger.pay(order_id, succeed=False)

    def late_authorize(self, payment_id: str, *, capture: bool = False) -> dict[str, Any]:
        return self.ledger.late_authorize(payment_id, capture=capture)

    def sign_payment(self, order_id: str, payment_id: str) -> str:
        return sign(self.ledger.key_secret, f"{order_id}|{payment_id}")

    # --- webhooks ----------------------------------------------------------------------------

    def deliver_webhooks(self) -> list[tuple[str, int]]:
        """Send every waiting webhook now, in this thread; returns (event id, HTTP status) pairs."""
        return [self._send(item) for item in self.ledger.take_outbox()]

    def pending_webhooks(self) -> list[dict[str, Any]]:
        with self.ledger.lock:
            return [json.loads(item.body) for item in self.ledger.outbox]

    def _send(self, item: Outgoing) -> tuple[str, int]:
        if not self.webhook_url:
            return item.event_id, 0
        headers = {
            "Content-Type": "application/json",
            "X-Razorpay-Signature": item.signature,
            "X-Razorpay-Event-Id": item.event_id,
        }
        try:
            status = self.sender(self.webhook_url, item.body, headers)
        except OSError as exc:
            log.warning("webhook %s not delivered: %s", item.event_id, exc)
            status = 0
        self.deliveries.append((item.event_id, status))
        return item.event_id, status

    def _deliver_forever(self) -> None:
        # Each sender takes what is waiting as one batch and sends it in order (the knobs
        # that reorder or repeat work on a batch); the senders run side by side.
        while not self._stopping.is_set():
            with self.ledger.lock:
                while not self.ledger.outbox and not self._stopping.is_set():
                    self.ledger.outbox_ready.wait(1.0)
            for item in self.ledger.take_outbox():
                if self.knobs.webhook_delay:
                    time.sleep(self.knobs.webhook_delay)
                self._send(item)


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v1/orders$"), "create_order"),
    ("GET", re.compile(r"^/v1/orders$"), "list_orders"),
    ("GET", re.compile(r"^/v1/orders/(?P<id>[\w-]+)$"), "get_order"),
    ("GET", re.compile(r"^/v1/orders/(?P<id>[\w-]+)/payments$"), "order_payments"),
    ("GET", re.compile(r"^/v1/payments/(?P<id>[\w-]+)$"), "get_payment"),
    ("POST", re.compile(r"^/v1/payments/(?P<id>[\w-]+)/capture$"), "capture"),
    ("POST", re.compile(r"^/v1/payments/(?P<id>[\w-]+)/refund$"), "refund"),
    ("GET", re.compile(r"^/v1/payments/(?P<id>[\w-]+)/refunds$"), "payment_refunds"),
    ("GET", re.compile(r"^/v1/refunds/(?P<id>[\w-]+)$"), "get_refund"),
    # The fake's own controls, for a running fake (make run, another process's tests).
    ("GET", re.compile(r"^/_fake/knobs$"), "get_knobs"),
    ("POST", re.compile(r"^/_fake/knobs$"), "set_knobs"),
    ("POST", re.compile(r"^/_fake/payments/(?P<id>[\w-]+)/late_authorize$"), "late_authorize"),
]


def _set_knobs(fake: FakeRazorpay, body: dict[str, Any]) -> dict[str, Any]:
    known = {f.name: f.type for f in fields(Knobs)}
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ApiFailure(400, f"unknown knobs: {', '.join(unknown)}", field=unknown[0])
    with fake.ledger.lock:
        for name, value in body.items():
            setattr(fake.knobs, name, value)
    return asdict(fake.knobs)


def _late_authorize(fake: FakeRazorpay, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return fake.late_authorize(payment_id, capture=bool(body.get("capture", False)))
    except (KeyError, ValueError) as exc:
        raise ApiFailure(400, f"cannot late-authorise {payment_id}: {exc}", field="id") from exc


def _handler_for(fake: FakeRazorpay) -> type[BaseHTTPRequestHandler]:
    ledger = fake.ledger

    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeRazorpay/1.0"
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                if parts.path.startswith("/checkout/"):
                    self._checkout(method, parts.path, parts.query, raw)
                    return
                for verb, pattern, action in _ROUTES:
                    match = pattern.match(parts.path)
                    if verb == method and match:
                        if not action.endswith("_knobs"):
                            with ledger.lock:
                                ledger.api_calls += 1
                            if fake.knobs.outage:
                                raise ApiFailure(503, "Service unavailable (the fake's outage)", code="SERVER_ERROR")
                        self._authenticate()
                        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                        body = json.loads(raw) if raw else {}
                        if not isinstance(body, dict):
                            raise ApiFailure(400, "The request body must be a JSON object")
                        answer, stall = self._api(action, match.groupdict().get("id", ""), body, query)
                        if stall:
                            time.sleep(stall)  # the forced timeout: stored, answered too late
                        self._json(200, answer)
                        return
                raise ApiFailure(404, "The requested URL was not found on the server.")
            except ApiFailure as failure:
                self._json(failure.status, failure.body)
            except json.JSONDecodeError:
                self._json(400, ApiFailure(400, "The request body is not valid JSON").body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def _authenticate(self) -> None:
            header = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{ledger.key_id}:{ledger.key_secret}".encode()).decode()
            if not hmac.compare_digest(header.encode(), expected.encode()):
                raise ApiFailure(401, "The api key provided is invalid")

        def _api(self, action: str, ident: str, body: dict[str, Any], query: dict[str, str]) -> tuple[Any, float]:
            key = self.headers.get("X-Refund-Idempotency")
            calls: dict[str, Callable[[], tuple[Any, float]]] = {
                "create_order": lambda: ledger.create_order(body),
                "list_orders": lambda: (ledger.list_orders(query), 0.0),
                "get_order": lambda: (ledger.get_order(ident), 0.0),
                "order_payments": lambda: (ledger.order_payments(ident), 0.0),
                "get_payment": lambda: (ledger.get_payment(ident), 0.0),
                "capture": lambda: (ledger.capture(ident, body), 0.0),
                "refund": lambda: refunds.create_refund(ledger, ident, body, key=key),
                "payment_refunds": lambda: (refunds.payment_refunds(ledger, ident), 0.0),
                "get_refund": lambda: (refunds.get_refund(ledger, ident), 0.0),
                "get_knobs": lambda: (asdict(fake.knobs), 0.0),
                "set_knobs": lambda: (_set_knobs(fake, body), 0.0),
                "late_authorize": lambda: (_late_authorize(fake, ident, body), 0.0),
            }
            return calls[action]()

        def _checkout(self, method: str, path: str, query: str, raw: bytes) -> None:
            match = re.match(r"^/checkout/(?P<id>[\w-]+)(?P<pay>/pay)?$", path)
            if match is None:
                raise ApiFailure(404, "No such checkout page.")
            order_id = match["id"]
            if method == "GET" and not match["pay"]:
                callback_url = parse_qs(query).get("callback_url", [""])[0]
                self._html(200, checkout_page(ledger.get_order(order_id), callback_url))
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            callback_url = form.get("callback_url", "")
            if not callback_url.startswith(("http://", "https://")):
                raise ApiFailure(400, "callback_url must be an http(s) URL", field="callback_url")
            fields = ledger.pay(order_id, succeed=form.get("outcome") != "fail")
            self._html(200, callback_form(callback_url, fields))

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8")

        def _html(self, status: int, page: str) -> None:
            self._send(status, page.encode(), "text/html; charset=utf-8")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
