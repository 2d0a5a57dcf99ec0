"""Probes behind /healthz. Each answers "ok" or "error"; the broker may be "eager"."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from portal.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    if hasattr(cache, "ping"):
        # The portal's Redis cache answers from local memory while Redis is down; ask Redis.
        cache.ping()
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return "ok" if ok else "error"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"  # no broker: tasks run inline, by design of the embedded default
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


PROBES = {"database": _database, "cache": _cache, "broker": _broker}


def health_report() -> dict[str, str]:
    report = {}
    for name, probe in PROBES.items():
        try:
            report[name] = probe()
        except Exception:  # any failure of a dependency means "down", never a 500
            logger.exception("health probe %s failed", name)
            report[name] = "error"
    return report
