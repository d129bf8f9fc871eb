"""The Redis channel layer that carries the live order pages."""

from __future__ import annotations

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def test_an_idle_listener_outlives_the_layers_blocking_pop() -> None:
    """A websocket consumer waits on the layer with a 5 s blocking pop; with redis-py 8's
    default 5 s read timeout the wait itself raised TimeoutError and the consumer (and the
    customer's socket) died every 5 s while nothing happened (channels_redis#422)."""
    layer = get_channel_layer()
    assert layer is not None
    assert type(layer).__name__ == "RedisChannelLayer"  # the tests run on Redis, as production does

    async def wait_then_hear() -> dict[str, str]:
        channel = await layer.new_channel()
        listening = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(6.5)  # longer than the pop and the old read timeout, nothing sent
        assert not listening.done(), listening.exception() if listening.done() else None
        await layer.send(channel, {"type": "order.changed", "text": "still here"})
        return await asyncio.wait_for(listening, timeout=5)

    assert async_to_sync(wait_then_hear)()["text"] == "still here"
