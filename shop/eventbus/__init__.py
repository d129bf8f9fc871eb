"""The domain-event bus: transactional outbox, per-key ordered deliveries, inbox, dead letters.

    from shop.eventbus import publish, subscriber, PermanentError

    with transaction.atomic():
        order = Order.objects.create(...)
        publish(OrderPlaced(order_id=order.id, ...), key=order.id)

    @subscriber(OrderPlaced)                 # in <app>/handlers.py
    def reserve_stock_for_order(event: OrderPlaced) -> None: ...

See docs/eventbus.md for the guarantees and how to operate it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import current_event_id, current_event_occurred_at
from .errors import ContractError, EventNotRegistered, PermanentError, PublishOutsideTransaction
from .registry import RetryPolicy, subscriber

if TYPE_CHECKING:
    from .publishing import publish

__all__ = [
    "ContractError",
    "EventNotRegistered",
    "PermanentError",
    "PublishOutsideTransaction",
    "RetryPolicy",
    "current_event_id",
    "current_event_occurred_at",
    "publish",
    "subscriber",
]


def __getattr__(name: str) -> Any:
    # publish needs the models, which cannot load while Django populates its apps.
    if name == "publish":
        from .publishing import publish

        return publish
    raise AttributeError(name)
