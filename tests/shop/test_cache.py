"""The Redis cache shares one connection pool per process across its per-context objects."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from shop.cache import RedisCache


def test_cache_objects_of_different_threads_share_the_connection_pool() -> None:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("the cache is not Redis here")
    cache.set("shared-pool-probe", 1)
    pools = [cache._cache._get_connection_pool(True)]

    def other_thread() -> None:
        other = caches["default"]  # a new object: Django's caches are per thread
        assert other is not cache
        assert other.get("shared-pool-probe") == 1
        pools.append(other._cache._get_connection_pool(True))

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert pools[0] is pools[1]


def test_the_stock_backend_would_not_share() -> None:
    """What the subclass fixes: Django's own client makes a pool per cache object."""
    first = DjangoRedisCache("redis://127.0.0.1:6379/15", {})
    second = DjangoRedisCache("redis://127.0.0.1:6379/15", {})
    assert first._cache._get_connection_pool(True) is not second._cache._get_connection_pool(True)
    ours = RedisCache("redis://127.0.0.1:6379/15", {}), RedisCache("redis://127.0.0.1:6379/15", {})
    assert ours[0]._cache._get_connection_pool(True) is ours[1]._cache._get_connection_pool(True)


def test_cache_calls_share_one_client_per_pool() -> None:
    """Django builds a redis.Redis per call; ours keeps one over each shared pool."""
    ours = RedisCache("redis://127.0.0.1:6379/15", {}), RedisCache("redis://127.0.0.1:6379/15", {})
    client = ours[0]._cache.get_client(write=True)
    assert ours[1]._cache.get_client(write=True) is client
    ours[0].set("one-client-probe", 7)
    assert ours[1].get("one-client-probe") == 7
    assert DjangoRedisCache("redis://127.0.0.1:6379/15", {})._cache.get_client(write=True) is not client


def test_redis_replies_are_parsed_by_hiredis() -> None:
    """The C parser (requirements: redis[hiredis]) for the cache, sessions, broker and channel layer."""
    from redis._parsers import _HiredisParser

    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    connection = cache._cache.get_client(write=True).connection_pool.get_connection()
    try:
        assert isinstance(connection._parser, _HiredisParser)
    finally:
        cache._cache.get_client(write=True).connection_pool.release(connection)
