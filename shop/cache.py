"""Django's Redis cache, with its connection pools shared by the whole process.

Django makes a cache object per thread and per async context; the stock Redis backend
gives each object its own connection pool. Under ASGI every request runs in a context of
its own, so every request opened (and health-checked) a fresh Redis connection. Here the
pools live at module level, keyed by server and options, and every cache object of the
process borrows from them. redis-py's pools notice a fork and start afresh in the child.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis

_pools: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class SharedPoolRedisCacheClient(django_redis.RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        this: Any = self  # Django's private attributes, which its type stubs do not list
        index = this._get_connection_pool_index(write)
        server, options = this._servers[index], this._pool_options
        key = (server, repr(sorted(options.items(), key=lambda item: item[0])))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = this._pool_class.from_url(server, **options)
        return pool


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
