"""`manage.py seed_demo`, which `make run` starts beside the web process: on SQLite the two
write to one database, and a step that finds it locked is tried again, not left half done."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.db import OperationalError

from shop.management.commands import seed_demo


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ran: list[str] = []
    monkeypatch.setattr(seed_demo, "get_commands", lambda: {"seed_demo_catalog": "catalog", "seed_demo_cart": "cart"})
    monkeypatch.setattr(seed_demo, "call_command", lambda name, **_: ran.append(name))
    monkeypatch.setattr(seed_demo, "LOCKED_WAIT_SECONDS", 0)
    monkeypatch.setattr(seed_demo.connection, "vendor", "sqlite")
    return ran


def _locked_at_first(times: int) -> Any:
    left = [times]

    def drain(**_: Any) -> int:
        if left[0]:
            left[0] -= 1
            raise OperationalError("database is locked")
        return 0

    return drain


@pytest.mark.django_db
def test_a_step_that_finds_the_database_locked_is_tried_again(steps, monkeypatch) -> None:
    monkeypatch.setattr(seed_demo, "drain", _locked_at_first(2))
    out, err = StringIO(), StringIO()
    seed_demo.Command(stdout=out, stderr=err).handle(if_empty=True)
    assert steps == ["seed_demo_catalog", "seed_demo_catalog", "seed_demo_catalog", "seed_demo_cart"]
    assert "the database is busy" in err.getvalue()
    assert "trying catalog again" in err.getvalue()
    assert out.getvalue().rstrip().endswith("Demo data ready.")


@pytest.mark.django_db
def test_a_lock_that_never_ends_says_how_to_go_on(steps, monkeypatch) -> None:
    monkeypatch.setattr(seed_demo, "drain", _locked_at_first(99))
    with pytest.raises(CommandError, match=r"seed_demo --if-empty` again"):
        seed_demo.Command(stdout=StringIO(), stderr=StringIO()).handle(if_empty=True)
    assert steps == ["seed_demo_catalog"] * seed_demo.LOCKED_ATTEMPTS


@pytest.mark.django_db
def test_other_database_errors_are_not_retried(steps, monkeypatch) -> None:
    def broken(**_: Any) -> int:
        raise OperationalError("no such table: eventbus_delivery")

    monkeypatch.setattr(seed_demo, "drain", broken)
    with pytest.raises(OperationalError):
        seed_demo.Command(stdout=StringIO(), stderr=StringIO()).handle(if_empty=True)
    assert steps == ["seed_demo_catalog"]
