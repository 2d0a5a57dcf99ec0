"""System checks of the deployment that Django's own ``check --deploy`` does not know about."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Caches that live inside one process: each gunicorn worker would keep counters of its own.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs) -> list[Warning]:
    """Warn when production runs on a per-process cache.

    The sign-in rate limits (allauth) and the API throttles count in the default cache. With
    several workers and a per-process cache each worker counts alone, so every limit is
    multiplied by the number of workers; with DummyCache nothing is counted at all.
    """
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) lives inside each process, so "
            "with several workers the sign-in rate limits and API throttles count per worker "
            "and multiply.",
            hint="Set REDIS_URL (or CACHE_URL) to a shared cache such as Redis.",
            id="portal.W001",
        )
    ]
