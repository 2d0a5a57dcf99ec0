"""With Redis down the site keeps working: the cache answers from local memory per process.

Against a real, unreachable Redis (a closed loopback port), as production would see it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse

from portal import degraded
from portal.api import ActorRateThrottle
from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD
from tests.practices.api.test_api_cases import bearer

DEAD_REDIS = "redis://127.0.0.1:1/1"
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def warnings_logged_by(name: str) -> Iterator[list[logging.LogRecord]]:
    """The warnings this logger emits meanwhile, caught on the logger itself: a handler on the
    root (caplog's) also depends on whatever else in the process configured logging."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def redis_down(settings):
    """The cache the settings build from REDIS_URL, pointed at a port where nothing listens."""
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS}
    }
    degraded.reset()
    yield
    degraded.reset()


def test_settings_use_the_fallback_cache_for_a_redis_url():
    environment = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1"}
    environment.pop("CACHE_URL", None)
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert output.strip() == "portal.cache.FallbackRedisCache"


def test_the_api_reads_and_writes_while_redis_is_down(redis_down, org):
    client = bearer(org, write=True)

    created = client.post("/api/v1/cases/", {"title": "Forged letters"}, format="json")
    listed = client.get("/api/v1/cases/")

    assert created.status_code == 201, created.content
    assert listed.status_code == 200
    assert [case["title"] for case in listed.json()["results"]] == ["Forged letters"]


def test_the_outage_is_logged_once_not_per_request(redis_down, org):
    client = bearer(org)

    with warnings_logged_by("portal.cache") as warnings:
        statuses = [client.get("/api/v1/cases/").status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert len(warnings) == 1
    assert "Redis cache unreachable" in warnings[0].getMessage()


def test_throttling_still_limits_per_process_while_redis_is_down(redis_down, org, monkeypatch):
    rates = {"token": "3/min", "user": "5/min", "anon": "2/min"}
    monkeypatch.setattr(ActorRateThrottle, "THROTTLE_RATES", rates)
    client = bearer(org)

    statuses = [client.get("/api/v1/cases/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_failing_cache_of_another_kind_lets_requests_through(settings, org):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    degraded.reset()
    client = bearer(org)

    with warnings_logged_by("portal.api") as warnings:
        statuses = [client.get("/api/v1/cases/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert len(warnings) == 1


def test_people_sign_in_while_redis_is_down(redis_down, client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(member.pk)


def test_failed_sign_ins_are_still_limited_while_redis_is_down(redis_down, client, member):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_two_factor_codes_work_while_redis_is_down(redis_down, client, org_admin):
    secret = enrol_totp(org_admin)
    client.post(reverse("account_login"), {"login": org_admin.email, "password": PASSWORD})

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(org_admin.pk)


def test_healthz_still_reports_the_cache_down(redis_down, client, db):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
