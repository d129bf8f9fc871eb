"""Refunds in the fake Razorpay, honouring X-Refund-Idempotency as Razorpay documents it."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from .common import IDEMPOTENCY_KEY, MIN_AMOUNT, ApiFailure, _id, _notes, public
from .state import Ledger


def create_refund(
    ledger: Ledger, payment_id: str, data: dict[str, Any], *, key: str | None
) -> tuple[dict[str, Any], float]:
    """Refund a captured payment; returns the refund and how long to stall before answering."""
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ApiFailure(400, "X-Refund-Idempotency must be at least 10 characters of [A-Za-z0-9_-]")
    fingerprint = json.dumps({"payment_id": payment_id, **data}, sort_keys=True)
    with ledger.lock:
        replay = _replay(ledger, key, fingerprint)
        if replay is not None:
            return replay, _stall(ledger)
        payment = ledger.payments.get(payment_id)
        if payment is None:
            raise ApiFailure(400, "The id provided does not exist", field="payment_id")
        if payment["status"] not in ("captured", "refunded"):
            raise ApiFailure(400, "Payment must be captured before it can be refunded", field="payment_id")
        remaining = payment["amount"] - payment["amount_refunded"]
        amount = data.get("amount", remaining)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < MIN_AMOUNT:
            raise ApiFailure(400, "The refund amount must be atleast INR 1.00", field="amount")
        if amount > remaining:
            raise ApiFailure(400, "The refund amount provided is greater than amount captured", field="amount")
        speed = data.get("speed", "normal")
        if speed not in ("normal", "optimum"):
            raise ApiFailure(400, "The selected speed is invalid.", field="speed")
        if key is not None:
            ledger.idempotency[key] = {"fingerprint": fingerprint, "refund_id": None}
        refund = {
            "id": _id("rfnd"),
            "entity": "refund",
            "amount": amount,
            "currency": "INR",
            "payment_id": payment_id,
            "notes": _notes(data.get("notes")),
            "receipt": data.get("receipt"),
            "acquirer_data": {"arn": None},
            "created_at": int(time.time()),
            "batch_id": None,
            "status": "pending",
            "speed_processed": "normal",
            "speed_requested": speed,
        }
        ledger.refunds[refund["id"]] = refund
        payment["amount_refunded"] += amount
        full = payment["amount_refunded"] == payment["amount"]
        payment["refund_status"] = "full" if full else "partial"
        if full:
            payment["status"] = "refunded"
        answer = public(refund)
        _settle(ledger, refund, payment)
        if key is not None:
            ledger.idempotency[key]["refund_id"] = refund["id"]
        return answer, _stall(ledger)


def _stall(ledger: Ledger) -> float:
    """How long to sit on this answer: the timeout knob counts down over new and replayed calls."""
    if ledger.knobs.timeout_next_refunds > 0:
        ledger.knobs.timeout_next_refunds -= 1
        return ledger.knobs.timeout_delay
    return 0.0


def _replay(ledger: Ledger, key: str | None, fingerprint: str) -> dict[str, Any] | None:
    """The refund an idempotency key already made, or None for a new key."""
    if key is None or key not in ledger.idempotency:
        return None
    seen = ledger.idempotency[key]
    if seen["fingerprint"] != fingerprint:
        raise ApiFailure(400, "Idempotency key reused with a different request body")
    if seen["refund_id"] is None:
        raise ApiFailure(409, "Request with the same idempotency key is in progress")
    return public(ledger.refunds[seen["refund_id"]])


def _settle(ledger: Ledger, refund: dict[str, Any], payment: dict[str, Any]) -> None:
    # The bank answers at once here; the webhook tells the merchant, as Razorpay does.
    if ledger.knobs.fail_refunds:
        refund["status"] = "failed"
        payment["amount_refunded"] -= refund["amount"]
        payment["refund_status"] = "partial" if payment["amount_refunded"] else None
        if payment["status"] == "refunded":
            payment["status"] = "captured"
        ledger._emit("refund.failed", refund=refund, payment=payment)
    else:
        refund["status"] = "processed"
        refund["acquirer_data"] = {"arn": f"74{secrets.randbelow(10**21):021d}"}
        ledger._emit("refund.processed", refund=refund, payment=payment)


def get_refund(ledger: Ledger, refund_id: str) -> dict[str, Any]:
    with ledger.lock:
        refund = ledger.refunds.get(refund_id)
        if refund is None:
            raise ApiFailure(400, "The id provided does not exist", field="id")
        return public(refund)


def payment_refunds(ledger: Ledger, payment_id: str) -> dict[str, Any]:
    ledger.get_payment(payment_id)
    with ledger.lock:
        items = [public(r) for r in ledger.refunds.values() if r["payment_id"] == payment_id]
    return {"entity": "collection", "count": len(items), "items": items}
