"""``manage.py check --deploy`` warns when production counts rate limits per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    """Run the real command with production values, as CI does."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production does not.
        if key
        not in (
            "REDIS_URL",
            "CACHE_URL",
            "CELERY_BROKER_URL",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    environment.update(
        DEBUG="false",
        SECRET_KEY="test-only-deploy-check-key-test-only-deploy-check-key-0123456789",
        ALLOWED_HOSTS="exchange.example.org",
        CELERY_SKIP_CHECKS="1",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("cache_url", ["locmemcache://", "dummycache://"])
def test_deploy_check_warns_when_production_runs_on_a_per_process_cache(cache_url):
    result = _check_deploy(CACHE_URL=cache_url)

    assert result.returncode != 0
    assert "portal.W001" in result.stderr
    assert "Set REDIS_URL" in result.stderr


def test_deploy_check_is_clean_with_a_shared_cache():
    result = _check_deploy(REDIS_URL="redis://127.0.0.1:6379")

    assert result.returncode == 0, result.stderr
    assert "portal.W001" not in result.stderr


def test_development_is_not_warned_about_its_local_cache(settings):
    from portal.checks import shared_cache_check

    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    assert shared_cache_check(None) == []


@pytest.mark.parametrize(
    "redis_url", ["redis://127.0.0.1:6379", "redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/2"]
)
def test_redis_url_names_the_server_and_its_databases_are_the_portals(redis_url):
    # Appended to, a database number in REDIS_URL made "redis://…/2/1", which redis-py reads
    # as database 21.
    environment = {
        k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_BROKER_URL")
    }
    environment.update(REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="portal.settings")
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.split() == ["redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/0"]
