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
    return _python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)


def _python(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    """This interpreter run in the project with these arguments and this environment."""
    return subprocess.run(  # noqa: S603 (this interpreter, the tests' own arguments)
        [sys.executable, *arguments],
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


def _django_run(code: str, **env: str | None) -> subprocess.CompletedProcess:
    """``code`` run with the portal set up, in this environment changed by ``env`` (None:
    not set)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    environment = {key: value for key, value in environment.items() if value is not None}
    return _python(["-c", f"import django; django.setup(); {code}"], environment)


@pytest.mark.parametrize(
    "redis_url", ["redis://127.0.0.1:6379", "redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/2"]
)
def test_redis_url_names_the_server_and_its_databases_are_the_portals(redis_url):
    # Appended to, a database number in REDIS_URL made "redis://…/2/1", which redis-py reads
    # as database 21.
    shown = _django_run(
        "from django.conf import settings; "
        "print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL)",
        REDIS_URL=redis_url,
        CACHE_URL=None,
        CELERY_BROKER_URL=None,
    )
    assert shown.stdout.split() == ["redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize("value", ["30 s", "1h", "-5s", "30s;drop", "30s -c jit=on"])
def test_a_statement_timeout_that_is_not_a_duration_is_refused(value):
    result = _django_run("", POSTGRES_STATEMENT_TIMEOUT=value)
    assert result.returncode != 0
    assert "POSTGRES_STATEMENT_TIMEOUT must be a duration" in result.stderr


@pytest.mark.parametrize("value", ["30000", "30s", "500ms", "2min", ""])
def test_a_statement_timeout_in_postgresqls_units_is_taken(value):
    assert _django_run("", POSTGRES_STATEMENT_TIMEOUT=value).returncode == 0


@pytest.mark.postgres
def test_no_statement_outlives_the_statement_timeout(db):
    # What a killed request's query did: it ran on after the worker had gone. Run against the
    # tests' database, which exists wherever they run (DATABASE_URL's may not).
    from urllib.parse import quote

    from django.db import connection

    where = connection.settings_dict
    url = (
        f"postgres://{quote(where['USER'] or '')}:{quote(where['PASSWORD'] or '')}@"
        f"{where['HOST'] or 'localhost'}:{where['PORT'] or 5432}/{quote(where['NAME'])}"
    )
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor: cursor.execute('SELECT pg_sleep(3)')"
    )
    bounded = _django_run(code, DATABASE_URL=url, POSTGRES_STATEMENT_TIMEOUT="300ms")
    assert bounded.returncode != 0
    assert "canceling statement due to statement timeout" in bounded.stderr
    unbounded = _django_run(
        code.replace("3)", "0.5)"), DATABASE_URL=url, POSTGRES_STATEMENT_TIMEOUT=""
    )
    assert unbounded.returncode == 0, unbounded.stderr
