"""Withdrawing a case and deciding its pending revision at the same moment never deadlock.

Every service locks the case row first and its revisions second (practices.cases.locking).
Each side runs in its own thread, so through its own PostgreSQL connection; after each
locking read the thread pauses while holding the lock, so both take their first lock before
either asks for its second. In opposite orders that is a deadlock every time, which
PostgreSQL breaks by aborting one side ("deadlock detected", a 500 for that person).
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db.models.query import QuerySet

from practices.cases import revisions as revision_drafts
from practices.exceptions import TransitionRefused
from practices.models import CaseRevision, CaseStudy, Taxonomy, Term
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from tests.concurrency import in_threads
from tests.factories import CaseStudyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.5  # seconds each side holds a row lock it just took


@pytest.fixture
def published(org, member) -> CaseStudy:
    terms = []
    for slug, code in [("disarm-red", "T0002"), ("country", "EE"), ("region", "euro-atlantic")]:
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        terms.append(Term.objects.create(taxonomy=taxonomy, code=code, label=code))
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="published",
        tlp="green",
        title="Forged letters",
        incident="Forged letters.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        submission_round=1,
        submitted_at="2025-02-01T10:00:00Z",
        published_at="2025-02-02T10:00:00Z",
        terms=terms,
    )


def _revision(case: CaseStudy, member, *, send: bool) -> CaseRevision:
    revision = revision_drafts.revision_start(actor=member, case_study=case)
    revision = revision_drafts.revision_update(
        actor=member,
        revision=revision,
        expected_version=revision.version,
        fields={"incident": "Forged letters and a forged video."},
    )
    if send:
        revision = revisions.revision_submit(actor=member, revision=revision)
    return revision


@pytest.fixture
def slow_locks(monkeypatch):
    """Every locking ``get``/``first`` holds its lock for PAUSE before the service goes on."""
    for name in ("get", "first"):
        original = getattr(QuerySet, name)

        def held(self, *args, _original=original, **kwargs):
            result = _original(self, *args, **kwargs)
            if self.query.select_for_update:
                time.sleep(PAUSE)
            return result

        monkeypatch.setattr(QuerySet, name, held)


def at_once(**calls: Callable[[], object]) -> dict[str, tuple[str, object]]:
    """Start each call in its own thread at the same moment; per name ("ok", result),
    ("refused", the TransitionRefused) or ("error", anything else)."""
    barrier = threading.Barrier(len(calls), timeout=10)
    return in_threads(
        calls, refused=TransitionRefused, before=lambda _name: barrier.wait(), errors_allowed=True
    )


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_withdrawing_and_deciding_the_pending_revision_at_once_do_not_deadlock(
    published, member, org_admin, moderator, slow_locks, decision
):
    revision = _revision(published, member, send=True)
    decide = {
        "approve": lambda: revisions.revision_approve(actor=moderator, revision=revision),
        "reject": lambda: revisions.revision_reject(
            actor=moderator, revision=revision, comment="Not supported by the sources."
        ),
    }[decision]

    outcomes = at_once(
        withdraw=lambda: moderation.case_study_withdraw(
            actor=org_admin, case_study=published, comment="Superseded."
        ),
        decide=decide,
    )

    assert not [o for o in outcomes.values() if o[0] == "error"], outcomes
    assert outcomes["withdraw"][0] == "ok"
    published.refresh_from_db()
    revision.refresh_from_db()
    assert published.status == "withdrawn"
    if outcomes["decide"][0] == "refused":  # the withdrawal went first and closed it
        assert revision.status == "rejected"
        assert "nothing to decide" in str(outcomes["decide"][1])
    else:
        assert revision.status == ("approved" if decision == "approve" else "rejected")


def test_withdrawing_and_sending_a_revision_at_once_do_not_deadlock(
    published, member, org_admin, slow_locks
):
    revision = _revision(published, member, send=False)

    outcomes = at_once(
        withdraw=lambda: moderation.case_study_withdraw(
            actor=org_admin, case_study=published, comment="Superseded."
        ),
        send=lambda: revisions.revision_submit(actor=member, revision=revision),
    )

    assert not [o for o in outcomes.values() if o[0] == "error"], outcomes
    assert outcomes["withdraw"][0] == "ok"
    published.refresh_from_db()
    assert published.status == "withdrawn"
    revision.refresh_from_db()
    assert revision.status == "rejected"  # sent or not, the withdrawal closed it
