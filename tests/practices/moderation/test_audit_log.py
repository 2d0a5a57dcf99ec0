"""The audit log page: operators read the whole trail, moderators only what concerns cases they
may read (never another organisation's draft), everyone else nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from practices.cases import services
from practices.models import AuditEvent, CaseStudy
from practices.moderation.selectors import audit_event_list
from tests.conftest import enrol_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(member, outsider):
    draft = services.case_study_create(actor=member, title="Draft only its organisation sees")
    public = services.case_study_create(actor=outsider, title="Published elsewhere")
    CaseStudy.objects.filter(pk=public.pk).update(
        status=CaseStudy.Status.PUBLISHED, tlp=CaseStudy.TLP.GREEN
    )
    return draft, public


def _uuids(events) -> set[str]:
    return {str(e.case_study_uuid) for e in events if e.case_study_uuid}


def test_moderator_reads_events_of_readable_cases_but_not_of_drafts(trail, moderator):
    draft, public = trail
    seen = _uuids(audit_event_list(actor=moderator))
    assert str(public.uuid) in seen
    assert str(draft.uuid) not in seen


def test_operator_reads_the_whole_trail(trail):
    operator = UserFactory(is_superuser=True, is_staff=True, email="op@portal.test")
    assert audit_event_list(actor=operator).count() == AuditEvent.objects.count()


def test_members_read_nothing_of_the_trail(trail, member):
    assert not audit_event_list(actor=member).exists()


def test_audit_log_page_never_shows_another_organisations_draft(trail, moderator):
    draft, public = trail
    enrol_totp(moderator)
    client = Client()
    client.force_login(moderator)
    page = client.get(reverse("practices:audit-log")).content.decode()
    assert public.title in page
    assert draft.title not in page


def test_audit_log_page_is_not_for_members(trail, member):
    client = Client()
    client.force_login(member)
    assert client.get(reverse("practices:audit-log")).status_code in (403, 404)
