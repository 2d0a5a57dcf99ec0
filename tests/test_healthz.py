from __future__ import annotations

import pytest

from portal.celery import app as celery_app

DEAD_REDIS = "redis://127.0.0.1:1"


def test_healthz_is_200_when_everything_is_up(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "eager"},
    }


def test_healthz_is_503_when_the_cache_is_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
    assert response.json()["status"] == "error"


@pytest.fixture
def broker(settings):
    """Point Celery at a broker URL for one test, then restore it."""
    previous = celery_app.conf.broker_url

    def use(url):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.broker_url = url

    yield use
    celery_app.conf.broker_url = previous


def test_healthz_is_503_when_the_broker_is_down(client, db, broker):
    broker(DEAD_REDIS)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    from portal import health

    def unreachable():
        raise OSError("connection refused")

    monkeypatch.setitem(health.PROBES, "database", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


@pytest.mark.redis
def test_healthz_checks_a_real_redis_cache_and_broker(client, db, settings, broker):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    broker("redis://127.0.0.1:6379/14")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
