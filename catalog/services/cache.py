"""Invalidate the cached listings by bumping their version, after the change commits."""

from __future__ import annotations

import time
from uuid import UUID

from django.core.cache import cache
from django.db import transaction

from ..selectors.cache import CATALOG_VERSION_KEY, VERSION_TTL_SECONDS, store_version_key


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        # No version yet (or evicted): start from the clock so an evicted counter never
        # comes back to a number whose pages may still be cached.
        cache.add(key, time.time_ns() // 1_000_000, VERSION_TTL_SECONDS)


def bump_listing_version(*, store_id: UUID | None = None) -> None:
    """After commit, retire every cached listing (of one store if store_id is given)."""
    key = store_version_key(store_id) if store_id else CATALOG_VERSION_KEY
    # After commit: bumped earlier, a reader could cache the old rows under the new version.
    transaction.on_commit(lambda: _bump(key))
