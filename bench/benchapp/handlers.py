import time

import redis
from django.conf import settings

from shop.eventbus import subscriber

from .events import Pinged, Timed

_redis = redis.Redis.from_url(settings.REDIS_URL)


@subscriber(Pinged)
def noop_a(event: Pinged) -> None:
    """Does nothing: measures the bus's own cost."""


@subscriber(Pinged)
def noop_b(event: Pinged) -> None:
    """Does nothing: measures the bus's own cost."""


@subscriber(Timed)
def note_handled(event: Timed) -> None:
    _redis.hset("bench:handled", str(event.i), repr(time.time()))
