"""With PostgreSQL unreachable, pages and the API answer 503 with Retry-After, not 500.

The portal runs for real, in gunicorn, with DATABASE_URL pointing at a closed loopback port
(pytest-django's own database must stay up, so the outage cannot be simulated in-process).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEAD_DATABASE = "postgres://postgres@127.0.0.1:1/unreachable"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", params=["production", "debug"])
def portal_without_database(request):
    """The portal in gunicorn on a free port, its database unreachable; its base URL."""
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")
    }
    environment.update(
        DATABASE_URL=DEAD_DATABASE,
        DEBUG="true" if request.param == "debug" else "false",
        SECRET_KEY="test-only-outage-key-test-only-outage-key-test-only-outage-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, **headers: str):
    try:
        # A loopback http URL this module built.
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_browse_page_answers_503_with_a_plain_page(portal_without_database):
    status, headers, body = _get(f"{portal_without_database}/cases/")

    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Type"].startswith("text/html")
    assert b"temporarily unavailable" in body
    assert b"try again in a minute" in body


def test_a_signed_in_looking_request_gets_the_page_too(portal_without_database):
    # A session cookie makes the user lookup hit the database in middleware, before any view.
    status, _, body = _get(
        f"{portal_without_database}/cases/", Cookie="sessionid=abcdefghijklmnopqrstuvwxyz012345"
    )

    assert status == 503
    assert b"temporarily unavailable" in body


def test_the_api_answers_503_with_a_problem_document(portal_without_database):
    status, headers, body = _get(
        f"{portal_without_database}/api/v1/cases/",
        Authorization="Bearer cdpe_0123456789ab_secretsecretsecret",
    )

    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 503
    assert problem["title"] == "Service unavailable"
    assert "Try again" in problem["detail"]


def test_healthz_says_the_database_is_down(portal_without_database):
    status, _, body = _get(f"{portal_without_database}/healthz")

    assert status == 503
    assert json.loads(body)["checks"]["database"] == "error"


def test_an_error_inside_a_live_connection_is_not_called_an_outage(db):
    from django.db import OperationalError, connection

    from portal.unavailable import database_unavailable

    connection.ensure_connection()

    assert database_unavailable(OperationalError("no such column: x")) is False
    assert database_unavailable(ValueError("not a database error")) is False
