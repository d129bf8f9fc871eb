"""The bus's own published facts: a subscriber gave up on an event (a dead letter).

Pure like every app's contract: the standard library, pydantic and shop.events only.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shop.events import Event


class DeliveryDeadLettered(Event):
    """A delivery went to the dead letters: retries exhausted, a permanent error, a contract
    that does not validate, or a worker lost too often. Someone has to look at it; staff are
    told. (A dead delivery of this event itself is not announced again.)"""

    name = "eventbus.delivery_dead_lettered.v1"

    delivery_id: int
    subscriber: str
    event_id: UUID
    event_name: str
    event_key: str
    error_kind: str
    error: str
    attempts: int
    dead_at: datetime
