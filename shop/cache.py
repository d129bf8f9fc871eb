"""Django's Redis cache, with its connection pools shared by the whole process.

Django makes a cache object per thread and per async context; the stock Redis backend
gives each object its own connection pool. Under ASGI every request runs in a context of
its own, so every request opened (and health-checked) a fresh Redis connection. Here the
pools live at module level, keyed by server and options, and every cache object of the
process borrows from them. redis-py's pools notice a fork and start afresh in the child.
The client object over each pool is shared too: Django builds a new `redis.Redis` for
every cache call, and its constructor (a few hundred response callbacks copied into a
dict) cost more CPU than the command it was built for.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis

_pools: dict[tuple[str, str], Any] = {}
_clients: dict[int, Any] = {}
_lock = threading.Lock()


class SharedPoolRedisCacheClient(django_redis.RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """One `redis.Redis` per pool (it is thread-safe: each command borrows a connection)."""
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None:
            this: Any = self
            client = _clients.setdefault(id(pool), this._client(connection_pool=pool))
        return client

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
