"""A row deleted while a request waits for its lock answers 404, never 500.

The deleting side runs in its own thread (its own PostgreSQL connection): it deletes the row
and holds its transaction open for a moment. The request starts meanwhile, still sees the row
(the delete is not committed), and waits for the row lock inside the service; when the delete
commits, the locked re-read finds nothing.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client

from practices.cases import revisions as revision_drafts
from practices.cases import services
from practices.models import CaseRevision, CaseStudy, Taxonomy, Term
from practices.moderation import revisions
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory
from tests.practices.api.test_api_cases import bearer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOLD = 0.7  # seconds the deleting transaction stays open after its delete


def _complete_case(org, member, **fields) -> CaseStudy:
    terms = []
    for slug, code in [("disarm-red", "T0002"), ("country", "EE"), ("region", "euro-atlantic")]:
        taxonomy, _ = Taxonomy.objects.get_or_create(slug=slug, defaults={"name": slug})
        terms.append(Term.objects.create(taxonomy=taxonomy, code=code, label=code))
    defaults = {
        "organisation": org,
        "created_by": member,
        "tlp": "green",
        "title": "Forged letters",
        "incident": "Forged letters.",
        "incident_start": datetime.date(2025, 1, 1),
        "response": "Debunked.",
        "outcome": "It stopped.",
        "lessons": "Be quick.",
        "terms": terms,
    }
    return CaseStudyFactory(**{**defaults, **fields})


def while_deleting(delete: Callable[[], None], request: Callable[[], object]) -> object:
    """Run ``request`` while another connection has deleted a row but not yet committed."""
    deleted = threading.Event()
    errors: list[BaseException] = []

    def deleter() -> None:
        try:
            with transaction.atomic():
                delete()
                deleted.set()
                time.sleep(HOLD)
        except BaseException as exc:
            errors.append(exc)
            deleted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=deleter)
    thread.start()
    assert deleted.wait(timeout=10)
    try:
        return request()
    finally:
        thread.join(timeout=30)
        assert not errors, errors


def test_api_submit_of_a_draft_deleted_at_the_same_moment_is_404(org, member):
    draft = _complete_case(org, member, status="draft")
    client = bearer(org, write=True)

    response = while_deleting(
        lambda: services.case_study_delete(actor=member, case_study=draft),
        lambda: client.post(f"/api/v1/cases/{draft.uuid}/submit/"),
    )

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not CaseStudy.objects.filter(pk=draft.pk).exists()


def test_page_submit_of_a_draft_deleted_at_the_same_moment_is_404(org, member):
    draft = _complete_case(org, member, status="draft")
    client = Client()
    client.force_login(member)

    response = while_deleting(
        lambda: services.case_study_delete(actor=member, case_study=draft),
        lambda: client.post(f"/cases/{draft.uuid}/submit/"),
    )

    assert response.status_code == 404


def test_api_edit_of_a_draft_deleted_at_the_same_moment_is_404(org, member):
    draft = _complete_case(org, member, status="draft")
    client = bearer(org, write=True)

    response = while_deleting(
        lambda: services.case_study_delete(actor=member, case_study=draft),
        lambda: client.patch(
            f"/api/v1/cases/{draft.uuid}/",
            {"version": draft.version, "summary": "Changed."},
            format="json",
        ),
    )

    assert response.status_code == 404, response.content


def test_approving_a_revision_discarded_at_the_same_moment_is_404(org, member, moderator):
    case = _complete_case(
        org, member, status="published", submission_round=1, published_at="2025-02-02T10:00Z"
    )
    revision = revision_drafts.revision_start(actor=member, case_study=case)
    revision = revision_drafts.revision_update(
        actor=member,
        revision=revision,
        expected_version=revision.version,
        fields={"incident": "Forged letters and a video."},
    )
    revision = revisions.revision_submit(actor=member, revision=revision)
    enrol_totp(moderator)
    client = Client()
    client.force_login(moderator)

    response = while_deleting(
        lambda: CaseRevision.objects.filter(pk=revision.pk).select_for_update().delete(),
        lambda: client.post(f"/moderation/cases/{case.uuid}/revision/approve/"),
    )

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.incident == "Forged letters."
