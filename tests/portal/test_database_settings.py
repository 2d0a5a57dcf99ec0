"""The portal's PostgreSQL connections plan without JIT and without parallel workers, unless
configured otherwise (``POSTGRES_JIT``, ``POSTGRES_PARALLEL_WORKERS``; README, "PostgreSQL
memory")."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _show(setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
def test_connections_ask_for_no_jit_and_no_parallel_workers():
    assert _show("max_parallel_workers_per_gather") == "0"
    assert _show("jit") == "off"


def _database_options(database_url: str, **env: str) -> dict:
    """The connection options the settings build from these variables, in a fresh process."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            # The variables under test only as each test sets them.
            **{
                name: value
                for name, value in os.environ.items()
                if name not in ("POSTGRES_JIT", "POSTGRES_PARALLEL_WORKERS")
            },
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


POSTGRES = "postgres://user@db.invalid:5432/portal"  # never connected to


def test_parallel_workers_and_jit_follow_their_variables():
    assert _database_options(POSTGRES)["options"] == (
        "-c max_parallel_workers_per_gather=0 -c jit=off"
    )
    configured = _database_options(POSTGRES, POSTGRES_PARALLEL_WORKERS="2", POSTGRES_JIT="true")
    assert configured["options"] == "-c max_parallel_workers_per_gather=2"


def test_both_left_to_the_server_send_no_options():
    options = _database_options(POSTGRES, POSTGRES_PARALLEL_WORKERS="", POSTGRES_JIT="true")
    assert "options" not in options


def test_a_parallel_workers_value_that_is_not_a_number_stops_the_start():
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _database_options(POSTGRES, POSTGRES_PARALLEL_WORKERS="two")
    assert "POSTGRES_PARALLEL_WORKERS must be a whole number" in refused.value.stderr


def test_sqlite_gets_no_postgresql_options():
    assert "options" not in _database_options("sqlite:///:memory:")
