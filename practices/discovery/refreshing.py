"""Reading a shared aggregate, or building it afresh while the periodic refresh runs."""

from __future__ import annotations

from contextvars import ContextVar

from django.core.cache import cache

# Set while the periodic refresh (``practices.insights.warming.aggregates_refresh``) runs: the
# shared aggregates are then built afresh and overwrite the cached ones instead of being read,
# so that readers keep finding them built however long nothing changes.
REFRESHING: ContextVar[bool] = ContextVar("aggregates_refreshing", default=False)


def aggregate_cached(key: str) -> object | None:
    """The cached shared aggregate under ``key``, or None when it must be built."""
    return None if REFRESHING.get() else cache.get(key)
