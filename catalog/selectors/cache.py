"""Versioned keys of the cached product listing: a change bumps a version, old keys just expire.

The catalog-wide version changes with any product or base price; each store has its own
version for its price overrides and availability, so a stock change in one store does not
empty the cache of every other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from uuid import UUID

from django.core.cache import cache

LISTING_TTL_SECONDS = 300
CATALOG_VERSION_KEY = "catalog:listing:version"
#: Versions live longer than the pages they name, so a page never outlives its version.
VERSION_TTL_SECONDS = 7 * 24 * 3600


def store_version_key(store_id: UUID) -> str:
    return f"catalog:listing:version:{store_id}"


def listing_versions(store_id: UUID | None) -> str:
    """The current versions for a listing (one round trip to the cache)."""
    keys = [CATALOG_VERSION_KEY] + ([store_version_key(store_id)] if store_id else [])
    found = cache.get_many(keys)
    return ".".join(str(found.get(key, 0)) for key in keys)


def _digest(host: str, params: Iterable[tuple[str, str]]) -> str:
    query = "&".join(f"{name}={value}" for name, value in sorted(params))
    return hashlib.blake2b(f"{host}?{query}".encode(), digest_size=16).hexdigest()


def _page_key(versions: str, digest: str) -> str:
    return f"catalog:listing:{versions}:{digest}"


def listing_cache_key(*, host: str, params: Iterable[tuple[str, str]], store_id: UUID | None) -> str:
    """The key of one listing page: its versions and a digest of the normalised query."""
    return _page_key(listing_versions(store_id), _digest(host, params))


#: The versions this process saw last, per store: a guess to fetch a page in the same round
#: trip as the versions. The guess is always checked against the versions read with it.
_seen_versions: dict[UUID | None, str] = {}


def cached_listing(*, host: str, params: Iterable[tuple[str, str]], store_id: UUID | None) -> bytes | None:
    """The cached page, if any: one round trip while the versions hold still, two after a change."""
    digest = _digest(host, params)
    version_keys = [CATALOG_VERSION_KEY] + ([store_version_key(store_id)] if store_id else [])
    guess = _seen_versions.get(store_id)
    found = cache.get_many([*version_keys, _page_key(guess, digest)] if guess else version_keys)
    current = ".".join(str(found.get(key, 0)) for key in version_keys)
    _seen_versions[store_id] = current
    if current == guess:
        page: bytes | None = found.get(_page_key(current, digest))
        return page
    return cache.get(_page_key(current, digest))
