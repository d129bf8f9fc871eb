"""The published contracts (docs/event-contracts.json) only ever grow, and readers tolerate growth."""

from __future__ import annotations

import json
from typing import ClassVar, Literal
from uuid import UUID, uuid4

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pydantic import Field

from shop.eventbus import contracts
from shop.eventbus.registry import load_event
from shop.events import Event, Paise, Value


class Line(Value):
    sku_id: UUID
    quantity: int


class Placed(Event):
    name: ClassVar[str] = "shop.test_placed.v1"
    order_id: UUID
    total_paise: Paise
    channel: Literal["web", "app"]
    lines: tuple[Line, ...]
    note: str = ""


def _schemas(model: type[Event]) -> dict[str, dict]:
    return {"shop.test_placed.v1": model.model_json_schema()}


def _breaks(new_model: type[Event]) -> list[str]:
    return contracts.breaking_changes(_schemas(Placed), _schemas(new_model))


def test_the_published_contracts_match_the_code() -> None:
    """Fails on any edit of an event: a breaking one must be a new version; an additive one
    asks for `manage.py event_contracts --write` so other services see it."""
    call_command("event_contracts")


def test_optional_fields_may_be_added_at_any_depth() -> None:
    class Line2(Value):
        sku_id: UUID
        quantity: int
        replacement: str = "best_match"

    class Grown(Event):
        name: ClassVar[str] = "shop.test_placed.v1"
        order_id: UUID
        total_paise: Paise = Field(description="documentation may change freely")
        channel: Literal["web", "app"]
        lines: tuple[Line2, ...]
        note: str = ""
        coupon_code: str = ""

    assert _breaks(Grown) == []


def test_what_would_break_a_reader_is_named_with_where_it_is() -> None:
    class Line2(Value):
        sku_id: UUID

    class Broken(Event):
        name: ClassVar[str] = "shop.test_placed.v1"
        order_id: str  # was a UUID: the format changed
        total_paise: Paise
        channel: Literal["web", "app", "kiosk"]  # an old reader refuses "kiosk"
        lines: tuple[Line2, ...]  # lost quantity
        store_id: UUID  # new and required: events stored before it do not fit

    assert _breaks(Broken) == [
        "shop.test_placed.v1.note: removed or renamed (stored events and readers still carry it)",
        "shop.test_placed.v1.store_id: a new field without a default (events stored before it do not fit)",
        "shop.test_placed.v1.order_id: its type changed (a reader of the old one cannot take it)",
        "shop.test_placed.v1.channel: its type changed (a reader of the old one cannot take it)",
        "shop.test_placed.v1.lines[].quantity: removed or renamed (stored events and readers still carry it)",
    ]


def test_an_optional_field_made_required_and_a_dropped_event_break() -> None:
    class Stricter(Event):
        name: ClassVar[str] = "shop.test_placed.v1"
        order_id: UUID
        total_paise: Paise
        channel: Literal["web", "app"]
        lines: tuple[Line, ...]
        note: str

    assert _breaks(Stricter) == ["shop.test_placed.v1.note: now required (events stored without it no longer fit)"]
    assert contracts.breaking_changes(_schemas(Placed), {}) == [
        "shop.test_placed.v1: the event is gone (stored events and other services still use it)"
    ]


def test_a_reader_on_older_code_takes_an_event_that_grew() -> None:
    """A rolling deploy: the new web publishes a field the old worker does not know yet."""
    payload = {
        "order_id": str(uuid4()),
        "total_paise": 500,
        "channel": "web",
        "lines": [{"sku_id": str(uuid4()), "quantity": 2, "replacement": "refund"}],
        "coupon_code": "DIWALI",
    }

    event = load_event("shop.test_placed.v1", payload, Placed)

    assert (event.total_paise, event.lines[0].quantity) == (500, 2)


def test_the_command_writes_growth_and_refuses_breaks(tmp_path, monkeypatch) -> None:
    path = tmp_path / "event-contracts.json"
    monkeypatch.setattr(contracts, "contracts_path", lambda: path)
    real = contracts.current_contracts()
    stored = {name: schema for name, schema in real.items() if name != "payments.payment_failed.v1"}
    path.write_text(contracts.render(stored))

    with pytest.raises(CommandError, match=r"out of date \(1 new, no breaking change\)"):
        call_command("event_contracts")
    call_command("event_contracts", "--write")
    assert json.loads(path.read_text()) == json.loads(contracts.render(real))

    # A field the file has but the code lost: refused, even with --write, and the file is kept.
    failed = real["payments.payment_failed.v1"]
    grown = {**failed, "properties": {**failed["properties"], "gateway": {"type": "string"}}}
    grown["required"] = [*failed["required"], "gateway"]
    path.write_text(contracts.render({**real, "payments.payment_failed.v1": grown}))
    before = path.read_text()
    with pytest.raises(CommandError, match=r"payments.payment_failed.v1.gateway: removed or renamed"):
        call_command("event_contracts", "--write")
    assert path.read_text() == before


def test_contract_values_are_immutable() -> None:
    event = Placed(order_id=uuid4(), total_paise=1, channel="web", lines=())
    with pytest.raises(ValueError, match="frozen"):
        event.note = "changed"  # type: ignore[misc]
