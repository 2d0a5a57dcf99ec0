"""Warnings about a dependency that is down, logged once a minute rather than once a request."""

from __future__ import annotations

import logging
import threading
import time

INTERVAL = 60.0  # seconds between two warnings about the same thing

_last: dict[str, float] = {}
_lock = threading.Lock()


def warn_degraded(logger: logging.Logger, key: str, message: str, *args: object) -> bool:
    """Log ``message`` as a warning unless the same ``key`` was logged in the last minute.

    An outage hits every request; one line per request would flood the logs and hide the
    first, useful one. Returns whether it logged.
    """
    now = time.monotonic()
    with _lock:
        if now - _last.get(key, -INTERVAL) < INTERVAL:
            return False
        _last[key] = now
    logger.warning(message, *args)
    return True


def reset() -> None:
    """Forget what was logged (tests)."""
    with _lock:
        _last.clear()
