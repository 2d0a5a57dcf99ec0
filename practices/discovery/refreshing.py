"""Reading a shared aggregate, or building it afresh while the periodic refresh runs; keeping
what was built for the next reader."""

from __future__ import annotations

from contextvars import ContextVar

from django.core.cache import cache
from django.db import connection

# Set while the periodic refresh (``practices.insights.warming.aggregates_refresh``) runs: the
# shared aggregates are then built afresh and overwrite the cached ones instead of being read,
# so that readers keep finding them built however long nothing changes.
REFRESHING: ContextVar[bool] = ContextVar("aggregates_refreshing", default=False)


def aggregate_cached(key: str) -> object | None:
    """The cached shared aggregate under ``key``, or None when it must be built."""
    return None if REFRESHING.get() else cache.get(key)


def kept_for_others(values: dict[str, object], timeout: int) -> None:
    """Cache ``values`` (by key) for the next reader, unless built inside a transaction: there
    they may count its own uncommitted writes, under a feed number that a rollback would hand
    to another writer. Every count, search and aggregate kept under a feed number goes here."""
    if not connection.in_atomic_block:
        cache.set_many(values, timeout)
