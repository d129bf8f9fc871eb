"""The payment intent's state machine: which status may follow which (pure, no Django)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # stored with our receipt; the Razorpay order is not known to exist yet
    CREATED = "created"  # the Razorpay order exists (or a COD intent awaits the cash)
    ATTEMPTED = "attempted"  # the browser reported a payment with a valid signature
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUNDED = "refunded"  # refunded in full (partial refunds leave it captured)


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CREATED}),
    Status.CREATED: frozenset({Status.ATTEMPTED, Status.AUTHORIZED, Status.CAPTURED, Status.FAILED}),
    Status.ATTEMPTED: frozenset({Status.AUTHORIZED, Status.CAPTURED, Status.FAILED}),
    # A new attempt on the same Razorpay order, or a late authorisation (up to 3 days).
    Status.FAILED: frozenset({Status.ATTEMPTED, Status.AUTHORIZED, Status.CAPTURED}),
    # Razorpay refunds an authorisation nobody captured within 3 days.
    Status.AUTHORIZED: frozenset({Status.CAPTURED, Status.REFUNDED}),
    Status.CAPTURED: frozenset({Status.REFUNDED}),
    Status.REFUNDED: frozenset(),
}

#: How far along the money is; an older observation never moves an intent back.
PROGRESS: dict[Status, int] = {
    Status.PENDING: 0,
    Status.CREATED: 1,
    Status.FAILED: 2,
    Status.ATTEMPTED: 2,
    Status.AUTHORIZED: 3,
    Status.CAPTURED: 4,
    Status.REFUNDED: 5,
}


class IllegalTransition(Exception):
    """A status change the state machine does not allow."""

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a payment cannot go from {current} to {target}")
        self.current = current
        self.target = target


def can_move(current: str, target: str) -> bool:
    return Status(target) in ALLOWED[Status(current)]


def check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise IllegalTransition(current, target)
