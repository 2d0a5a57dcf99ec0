"""A real Celery worker takes the tasks from Redis: it delivers the mail and rebuilds the
shared aggregates.

Everywhere else tasks run inline (eager). Here the service's on-commit hook publishes the task
to a Redis broker and an embedded worker, in a thread of this process, consumes it, reads the
event from the test database through its own connection and sends to the test outbox.
"""

from __future__ import annotations

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from portal.celery import app
from practices.insights import shared, warming
from practices.models import Taxonomy, Term
from practices.moderation import transitions as moderation
from practices.sync.feed import last_seq
from tests.conftest import broker_connections_forget
from tests.factories import CaseStudyFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BROKER_URL = "redis://127.0.0.1:6379/13"
DELIVERY_TIMEOUT = 10.0  # seconds


@pytest.fixture
def real_broker(settings, monkeypatch):
    """The project's Celery app sending to, and not around, a Redis broker; restored after."""
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")  # the worker's Django checks: ran already
    keys = ("broker_url", "task_always_eager", "worker_hijack_root_logger")
    saved = {key: app.conf[key] for key in keys}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False, worker_hijack_root_logger=False)
    broker_connections_forget()
    app.control.purge()  # nothing left over from an earlier run
    try:
        yield app
    finally:
        app.control.purge()
        app.conf.update(saved)
        broker_connections_forget()


@pytest.fixture
def draft(org, member):
    """A complete draft, tagged with just the terms completeness asks for."""
    terms = []
    for slug, code in [("disarm-red", "T0002"), ("country", "EE"), ("region", "euro-atlantic")]:
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        terms.append(Term.objects.create(taxonomy=taxonomy, code=code, label=code))
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="draft",
        tlp="green",
        title="Forged letters",
        incident="Forged letters.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        terms=terms,
    )


def _wait_for_mail(count: int) -> None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_worker_consuming_from_redis_delivers_the_submission_mail(
    real_broker, draft, member, moderator
):
    own_moderator = UserFactory(organisation=draft.organisation, is_moderator=True)

    moderation.case_study_submit(actor=member, case_study=draft)
    assert mail.outbox == []  # handed to the broker on commit, not sent inline

    with start_worker(real_broker, pool="solo", perform_ping_check=False):
        _wait_for_mail(1)

    assert [message.to for message in mail.outbox] == [[moderator.email]]
    [message] = mail.outbox
    assert message.subject == "[Practice Exchange] Waiting for review: Forged letters"
    assert reverse("moderation:review", args=[draft.uuid]) in message.body
    assert own_moderator.email not in message.to


def test_a_worker_rebuilds_the_shared_aggregates_after_the_change(
    real_broker, settings, draft, member
):
    settings.AGGREGATES_WARM = True
    moderation.case_study_submit(actor=member, case_study=draft)
    seq = last_seq()
    theatres = shared._key("theatres", seq)
    assert cache.get(theatres) is None  # handed to the broker on commit, not built inline

    with start_worker(real_broker, pool="solo", perform_ping_check=False):
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while cache.get(theatres) is None and time.monotonic() < deadline:
            time.sleep(0.05)

    assert cache.get(theatres) is not None
    assert warming.aggregates_build(seq) is False  # claimed: a later run does not redo it
