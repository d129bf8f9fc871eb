import time

import redis
from celery import shared_task
from django.conf import settings

_redis = redis.Redis.from_url(settings.REDIS_URL)


@shared_task(name="bench.noop", ignore_result=True)
def noop_task(i: int) -> None:
    """One no-op task per message: what plain Celery costs."""


@shared_task(name="bench.mark", ignore_result=True)
def mark_task(key: str) -> None:
    _redis.set(key, repr(time.time()))
