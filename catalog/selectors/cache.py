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


def listing_cache_key(*, host: str, params: Iterable[tuple[str, str]], store_id: UUID | None) -> str:
    """The key of one listing page: its versions and a digest of the normalised query."""
    query = "&".join(f"{name}={value}" for name, value in sorted(params))
    digest = hashlib.blake2b(f"{host}?{query}".encode(), digest_size=16).hexdigest()
    return f"catalog:listing:{listing_versions(store_id)}:{digest}"
