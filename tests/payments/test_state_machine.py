"""The intent's state machine: late authorisation allowed, nothing illegal."""

from __future__ import annotations

import pytest

from payments.services._common import move
from payments.states import ALLOWED, IllegalTransition, Status, can_move, check_move

from .factories import PaymentIntentFactory


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("pending", "created"),
        ("created", "attempted"),
        ("created", "captured"),
        ("attempted", "failed"),
        ("failed", "authorized"),  # late authorisation
        ("failed", "captured"),  # late authorisation, auto-captured
        ("failed", "attempted"),  # another try on the same Razorpay order
        ("authorized", "captured"),
        ("captured", "refunded"),
    ],
)
def test_allowed_moves(current, target):
    assert can_move(current, target)
    check_move(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("pending", "captured"),
        ("captured", "authorized"),
        ("captured", "failed"),
        ("authorized", "failed"),
        ("refunded", "captured"),
        ("created", "refunded"),
        ("created", "pending"),
    ],
)
def test_illegal_moves_are_refused(current, target):
    assert not can_move(current, target)
    with pytest.raises(IllegalTransition, match=f"from {current} to {target}"):
        check_move(current, target)


def test_refunded_is_terminal_and_every_status_has_rules():
    assert set(ALLOWED) == set(Status)
    assert ALLOWED[Status.REFUNDED] == frozenset()


@pytest.mark.django_db
def test_an_illegal_move_writes_no_history():
    intent = PaymentIntentFactory(status="captured")

    with pytest.raises(IllegalTransition):
        move(intent, "authorized", source="test")

    assert intent.status == "captured"
    assert intent.transitions.count() == 0
