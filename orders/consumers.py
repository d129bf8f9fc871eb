"""The websocket a customer's page keeps open on its order: /ws/v1/orders/<id>/.

On connect it sends the order's snapshot (status, payment details); after that, one
message per change. Checkout answers before the order exists (the saga places it a
moment later): the socket then opens silently and speaks from the order's first change.
Close codes: 4401 not signed in, 4404 not one's own order. The socket is accepted before
it is closed with them: a close before the handshake completes reaches the browser as a
refused handshake (close code 1006), which a page cannot tell from a network blip.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import live, selectors
from .models import Order


@database_sync_to_async
def _snapshot(order_id: UUID) -> dict[str, Any] | None:
    try:
        return live.snapshot(selectors.get_order_row(order_id=order_id, customer_id=None))
    except Order.DoesNotExist:
        return None


class OrderStatusConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self._refuse(4401)
            return
        order_id = self.scope["url_route"]["kwargs"]["order_id"]
        # Join first, then read: a change committed in between arrives as a message.
        self.group = live.group_name(order_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        current = await _snapshot(order_id)
        await self.accept()
        if current is not None and not self._may_see(current):
            await self._refuse(4404)
            return
        if current is not None:
            await self._send(current)

    def _may_see(self, order: dict[str, Any]) -> bool:
        user = self.scope["user"]
        return bool(user.is_staff) or order["customer_id"] == str(user.pk)

    async def _refuse(self, code: int) -> None:
        """Close an accepted socket with an application code the page reads."""
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.close(code=code)

    async def _send(self, order: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in order.items() if k != "customer_id"})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The socket is one-way; anything sent is ignored."""

    async def order_changed(self, message: dict[str, Any]) -> None:
        if self._may_see(message["order"]):
            await self._send(message["order"])
        else:  # someone else's order: the id was guessed before it existed
            await self._refuse(4404)
