from typing import ClassVar

from shop.events import Event


class Pinged(Event):
    """Throughput: two no-op subscribers."""

    name: ClassVar[str] = "benchapp.pinged.v1"
    i: int


class Timed(Event):
    """Latency: the subscriber notes when it ran."""

    name: ClassVar[str] = "benchapp.timed.v1"
    i: int
