from typing import Any, ClassVar
from uuid import UUID

from shop.events import Event, upcaster


class ThingHappened(Event):
    """A counter step for one key."""

    name: ClassVar[str] = "busapp.thing_happened.v1"
    n: int


class ThingHappenedV2(Event):
    """v2 adds a label; v1 events in the log are upcast to it."""

    name: ClassVar[str] = "busapp.thing_happened.v2"
    n: int
    label: str


@upcaster("busapp.thing_happened.v1", to=ThingHappenedV2)
def _thing_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "label": "from-v1"}


class Poison(Event):
    """Handlers of this raise, in the ways the test asks for."""

    name: ClassVar[str] = "busapp.poison.v1"
    mode: str  # "permanent" | "transient" | "fail_until:<n>"


class Slow(Event):
    """Its handler sleeps (for crash and shutdown tests)."""

    name: ClassVar[str] = "busapp.slow.v1"
    seconds: float
    token: UUID


class Chained(Event):
    """Its handler publishes a ThingHappened: causation and correlation carry over."""

    name: ClassVar[str] = "busapp.chained.v1"
    n: int
