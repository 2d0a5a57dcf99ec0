from __future__ import annotations

import os
import socket

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.db import connection
from kombu import pools

from accounts.models import User
from portal.celery import app as celery_app
from practices.discovery import case_facts
from tests.factories import OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, mail to the test outbox, tasks inline, files in a temporary folder,
    fresh rate-limit counters, and the site's default language: a request made in another
    language leaves that language active in the thread, which would otherwise carry over into
    the next test's service calls and mails."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SECURE_SSL_REDIRECT = False
    celery_app.conf.task_always_eager = True
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    case_facts.forget()  # the ids of a flushed database's cases are handed out again

    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL- and Redis-only tests, saying why, where those servers are absent."""
    on_postgres = connection.vendor == "postgresql"
    redis_up = _redis_reachable()
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
            )
        if "redis" in item.keywords and not redis_up and not IN_CI:
            item.add_marker(pytest.mark.skip(reason="needs Redis on 127.0.0.1:6379"))


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Estonian Test Office", short_name="EE TO")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Japanese Test Office", short_name="JP TO", country="JP")


@pytest.fixture
def member(org):
    return UserFactory(organisation=org, email="member@org.test")


@pytest.fixture
def org_admin(org):
    return UserFactory(organisation=org, role=User.Role.ADMIN, email="admin@org.test")


@pytest.fixture
def outsider(other_org):
    return UserFactory(organisation=other_org, email="outsider@other.test")


@pytest.fixture
def outsider_admin(other_org):
    return UserFactory(organisation=other_org, role=User.Role.ADMIN, email="admin@other.test")


@pytest.fixture
def moderator(db):
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub", country="LV")
    return UserFactory(organisation=hub, is_moderator=True, email="moderator@hub.test")


def enrol_totp(user) -> str:
    """Give a person an authenticator app, as if they had enrolled; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def admin_client(client, org_admin):
    """An organisation admin, signed in, with two-factor set up."""
    enrol_totp(org_admin)
    client.force_login(org_admin)
    return client


def broker_connections_forget() -> None:
    """Drop Celery's and kombu's connection pools, kept from first use, so that the broker URL
    in force now is the one used, and later tests do not reuse a dead or foreign one."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps process-wide pools keyed by connection; a closed one left there breaks every
    # later publish, even eager ones (Celery acquires a producer for those too).
    pools.reset()


@pytest.fixture
def broker_down(settings):
    """Celery publishing to a broker nobody listens on; ``back()`` restores the eager app."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    retry_policy = celery_app.conf.task_publish_retry_policy
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(
        broker_url=DEAD_BROKER,
        task_always_eager=False,
        task_publish_retry_policy={"max_retries": 0},
    )
    broker_connections_forget()

    def back() -> None:
        celery_app.conf.update(saved)
        settings.CELERY_TASK_ALWAYS_EAGER = True
        broker_connections_forget()

    yield back
    celery_app.conf.update(saved, task_publish_retry_policy=retry_policy)
    broker_connections_forget()
