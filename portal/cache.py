"""The shared cache, which keeps working (per process) while Redis is down.

The cache holds rate-limit counters (API throttles, allauth's sign-in limits), allauth's
two-factor replay guard and its short locks. Redis being down must not take the site down,
yet failing open would drop brute-force protection and make allauth refuse every TOTP code
(its replay guard reads a failed ``add`` as "code already used"). So on a Redis error each
call is answered by a per-process local-memory cache instead: limits still hold per worker,
two-factor still works, and a warning is logged once a minute. After an error Redis is left
alone for ``RETRY_SECONDS`` so requests do not each wait for a refused connection.

Written here because Django's own RedisCache has no fallback and django-redis's
IGNORE_EXCEPTIONS fails open (the allauth problems above). ``/healthz`` asks Redis itself
(``ping``), so monitors still see the outage.

``database_address`` names the database in the keys of values read from it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from redis.exceptions import RedisError

from portal.degraded import warn_degraded

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
FAILURES = (RedisError, OSError)
# Calls that go to Redis while it is up and to the local cache while it is not.
_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


def database_address() -> str:
    """The database's address ("host:port/name"), for the keys of values read from it: two
    deployments, or a test run beside a benchmark, may share one cache."""
    database = connection.settings_dict
    return f"{database['HOST']}:{database['PORT']}/{database['NAME']}"


class FallbackRedisCache(RedisCache):
    """Django's RedisCache, answered from a per-process local cache while Redis fails."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # A dead host should cost a second, not the OS's minutes-long TCP timeout.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(f"fallback-{id(self)}", params)
        self._down_until = 0.0
        self._state = threading.Lock()

    def _redis_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        with self._state:
            self._down_until = time.monotonic() + RETRY_SECONDS
        warn_degraded(
            logger,
            "cache-redis",
            "Redis cache unreachable (%s); rate limits and the two-factor replay guard "
            "count per process until it is back",
            type(exc).__name__,
        )

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self._redis_down():
            try:
                return getattr(super(), method)(*args, **kwargs)
            except FAILURES as exc:
                self._failed(exc)
        return getattr(self._fallback, method)(*args, **kwargs)

    def ping(self) -> bool:
        """Whether Redis itself answers (for /healthz), whatever the fallback does."""
        return bool(self._cache.get_client(write=True).ping())


def _delegate(method: str):
    def call(self: FallbackRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._call(method, *args, **kwargs)

    call.__name__ = method
    call.__doc__ = getattr(RedisCache, method).__doc__
    return call


for _method in _METHODS:
    setattr(FallbackRedisCache, _method, _delegate(_method))
