"""The fake Razorpay's in-memory ledger: orders, payments, refunds, and the webhooks they cause."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .common import MIN_AMOUNT, ApiFailure, Knobs, Outgoing, _id, _notes, public, sign


@dataclass
class Ledger:
    """Everything the fake remembers; every method takes the lock."""

    key_id: str
    key_secret: str
    webhook_secret: str
    account_id: str = "acc_fakelocal0001"
    knobs: Knobs = field(default_factory=Knobs)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Outgoing] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)
    #: API requests received (the fake's own controls not counted).
    api_calls: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    outbox_ready: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.outbox_ready = threading.Condition(self.lock)

    # --- orders -------------------------------------------------------------------------

    def create_order(self, data: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """Store an order; returns it and how long to stall before answering."""
        amount = data.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < MIN_AMOUNT:
            raise ApiFailure(400, "The amount must be atleast INR 1.00.", field="amount")
        if data.get("currency", "INR") != "INR":
            raise ApiFailure(400, "Currency is not supported", field="currency")
        receipt = data.get("receipt")
        if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
            raise ApiFailure(400, "The receipt may not be greater than 40 characters.", field="receipt")
        notes = data.get("notes") or {}
        if not isinstance(notes, dict) or len(notes) > 15:
            raise ApiFailure(400, "Number of notes must be 15 or less.", field="notes")
        capture = data.get("payment", {}).get("capture") if isinstance(data.get("payment"), dict) else None
        if capture is None:
            capture = "automatic" if data.get("payment_capture", 1) in (1, "1", True) else "manual"
        with self.lock:
            if receipt and any(o["receipt"] == receipt for o in self.orders.values()):
                raise ApiFailure(400, "Receipt already exists for another order", field="receipt")
            order = {
                "id": _id("order"),
                "entity": "order",
                "amount": amount,
                "amount_paid": 0,
                "amount_due": amount,
                "currency": "INR",
                "receipt": receipt,
                "offer_id": None,
                "status": "created",
                "attempts": 0,
                "notes": _notes(notes),
                "created_at": int(time.time()),
                "_capture": capture,
            }
            self.orders[order["id"]] = order
            stall = 0.0
            if self.knobs.timeout_next_order_creates > 0:
                self.knobs.timeout_next_order_creates -= 1
                stall = self.knobs.timeout_delay
            return public(order), stall

    def get_order(self, order_id: str) -> dict[str, Any]:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise ApiFailure(400, "The id provided does not exist", field="id")
            return public(order)

    def list_orders(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            items = [
                public(o) for o in self.orders.values() if "receipt" not in query or o["receipt"] == query["receipt"]
            ]
        items.sort(key=lambda o: o["created_at"], reverse=True)
        return {"entity": "collection", "count": len(items), "items": items}

    def order_payments(self, order_id: str) -> dict[str, Any]:
        self.get_order(order_id)
        with self.lock:
            items = [public(p) for p in self.payments.values() if p["order_id"] == order_id]
        return {"entity": "collection", "count": len(items), "items": items}

    # --- payments (the checkout's side) ------------------------------------------------------

    def pay(self, order_id: str, *, succeed: bool = True, email: str = "", contact: str = "") -> dict[str, Any]:
        """A customer completes checkout: returns the fields checkout posts to the callback."""
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise ApiFailure(400, "The id provided does not exist", field="order_id")
            if order["status"] == "paid":
                raise ApiFailure(400, "Order has already been paid", field="order_id")
            order["attempts"] += 1
            order["status"] = "attempted"
            payment = {
                "id": _id("pay"),
                "entity": "payment",
                "amount": order["amount"],
                "currency": "INR",
                "status": "created",
                "order_id": order_id,
                "invoice_id": None,
                "international": False,
                "method": "upi",
                "amount_refunded": 0,
                "refund_status": None,
                "captured": False,
                "description": "Fake checkout",
                "card_id": None,
                "bank": None,
                "wallet": None,
                "vpa": "success@razorpay" if succeed else "failure@razorpay",
                "email": email or "customer@example.com",
                "contact": contact or "+919000000000",
                "notes": [],
                "fee": None,
                "tax": None,
                "error_code": None,
                "error_description": None,
                "error_source": None,
                "error_step": None,
                "error_reason": None,
                "acquirer_data": {"rrn": str(secrets.randbelow(10**12)).zfill(12)},
                "created_at": int(time.time()),
            }
            self.payments[payment["id"]] = payment
            if succeed:
                self._authorize(payment, capture=order["_capture"] == "automatic")
            else:
                payment.update(
                    status="failed",
                    error_code="BAD_REQUEST_ERROR",
                    error_description="Payment failed because the customer cancelled at the bank.",
                    error_source="customer",
                    error_step="payment_authentication",
                    error_reason="payment_cancelled",
                )
                self._emit("payment.failed", payment=payment)
                return {
                    "error[code]": "BAD_REQUEST_ERROR",
                    "error[description]": payment["error_description"],
                    "error[reason]": "payment_cancelled",
                    "error[metadata]": json.dumps({"payment_id": payment["id"], "order_id": order_id}),
                }
            return {
                "razorpay_payment_id": payment["id"],
                "razorpay_order_id": order_id,
                "razorpay_signature": sign(self.key_secret, f"{order_id}|{payment['id']}"),
            }

    def late_authorize(self, payment_id: str, *, capture: bool = False) -> dict[str, Any]:
        """A payment reported failed turns out authorized (up to 3 days later at Razorpay)."""
        with self.lock:
            payment = self.payments[payment_id]
            if payment["status"] != "failed":
                raise ValueError(f"only a failed payment can be late-authorised, not {payment['status']}")
            for key in ("error_code", "error_description", "error_source", "error_step", "error_reason"):
                payment[key] = None
            self._authorize(payment, capture=capture)
            return public(payment)

    def _authorize(self, payment: dict[str, Any], *, capture: bool) -> None:
        payment["status"] = "authorized"
        self._emit("payment.authorized", payment=payment)
        if capture:
            self._capture(payment)

    def _capture(self, payment: dict[str, Any]) -> None:
        order = self.orders[payment["order_id"]]
        payment["status"] = "captured"
        payment["captured"] = True
        order.update(status="paid", amount_paid=order["amount"], amount_due=0)
        self._emit("payment.captured", payment=payment)
        self._emit("order.paid", payment=payment, order=order)

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None:
                raise ApiFailure(400, "The id provided does not exist", field="id")
            return public(payment)

    def capture(self, payment_id: str, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None:
                raise ApiFailure(400, "The id provided does not exist", field="id")
            if payment["status"] != "authorized":
                raise ApiFailure(
                    400,
                    "This payment has already been captured"
                    if payment["captured"]
                    else "Only payments which have been authorized can be captured",
                    field="id",
                )
            if data.get("amount") != payment["amount"]:
                raise ApiFailure(400, "Capture amount must be equal to the amount authorized", field="amount")
            if data.get("currency", "INR") != "INR":
                raise ApiFailure(400, "Currency is not supported", field="currency")
            self._capture(payment)
            return public(payment)

    # --- webhooks -----------------------------------------------------------------------------

    def _emit(self, event: str, **entities: dict[str, Any]) -> None:
        envelope = {
            "entity": "event",
            "account_id": self.account_id,
            "event": event,
            "contains": list(entities),
            "payload": {name: {"entity": public(entity)} for name, entity in entities.items()},
            "created_at": int(time.time()),
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        self.outbox.append(Outgoing(_id("evt"), body, sign(self.webhook_secret, body)))
        self.outbox_ready.notify_all()

    def take_outbox(self) -> list[Outgoing]:
        """Remove and return the webhooks to send, with the order/duplicate knobs applied."""
        with self.lock:
            batch, self.outbox = self.outbox, []
            if self.knobs.reverse_webhooks:
                batch.reverse()
            if self.knobs.duplicate_webhooks:
                batch = [item for one in batch for item in (one, one)]
            self.sent.extend(batch)
            return batch
