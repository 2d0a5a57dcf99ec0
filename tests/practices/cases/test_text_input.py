"""Free text: every field has a limit (form, API, database, schema), and line endings are
normalised wherever text comes in."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from practices.cases.text import CASE_TEXT_LIMITS, COMMENT_MAX, normalise_newlines
from practices.models import CaseRevision, CaseStudy, ModerationEvent
from tests.factories import CaseStudyFactory


@pytest.fixture
def draft(member):
    return CaseStudyFactory(organisation=member.organisation, status="draft", summary="Short.")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def outcome_form(case: CaseStudy, **changes) -> dict:
    return {
        "version": case.version,
        "outcome": case.outcome,
        "effectiveness": case.effectiveness,
        "evidence": case.evidence,
        "lessons": case.lessons,
        "recommendations": case.recommendations,
        **changes,
    }


def test_every_free_text_field_of_a_case_has_a_limit():
    for name in ("summary", "incident", "audiences", "response", "resources", "outcome"):
        assert CaseStudy._meta.get_field(name).max_length == CASE_TEXT_LIMITS[name]
    assert CASE_TEXT_LIMITS["summary"] == 2_000
    assert CASE_TEXT_LIMITS["incident"] == 50_000
    assert ModerationEvent._meta.get_field("comment").max_length == COMMENT_MAX
    assert CaseRevision._meta.get_field("comment").max_length == COMMENT_MAX


def test_an_overlong_section_is_refused_on_the_page_with_the_limit_and_nothing_saved(member, draft):
    url = reverse("practices:case-edit", args=[draft.uuid, "outcome"])

    response = signed_in(member).post(url, outcome_form(draft, lessons="x" * 60_000))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Too long: at most 50,000 characters. Shorten it and save again." in page
    draft.refresh_from_db()
    assert draft.lessons == ""
    assert draft.version == 1


def test_the_page_counts_a_line_break_once_as_the_browser_does(member, draft):
    # 1 000 lines of "x" + CRLF: 3 000 characters as sent, 2 000 once normalised.
    summary = "x\r\n" * 999 + "xx"
    url = reverse("practices:case-edit", args=[draft.uuid, "incident"])
    data = {
        "version": draft.version,
        "title": draft.title,
        "summary": summary,
        "incident": "First paragraph.\r\n\r\nSecond paragraph.",
        "attribution_confidence": draft.attribution_confidence,
        "audiences": "",
        "incident_start": "",
        "incident_end": "",
        "keywords": "",
    }

    response = signed_in(member).post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.summary == "x\n" * 999 + "xx"
    assert draft.incident == "First paragraph.\n\nSecond paragraph."


@pytest.mark.parametrize("field", sorted(CASE_TEXT_LIMITS))
def test_the_database_refuses_text_over_the_limit(draft, field):
    too_long = "y" * (CASE_TEXT_LIMITS[field] + 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudy.objects.filter(pk=draft.pk).update(**{field: too_long})

    CaseStudy.objects.filter(pk=draft.pk).update(**{field: too_long[:-1]})  # the limit fits


def test_the_database_refuses_an_overlong_thread_comment(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationEvent.objects.create(case_study=draft, comment="z" * (COMMENT_MAX + 1))


def test_normalise_newlines_leaves_only_line_feeds():
    assert normalise_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_the_demo_case_studies_fit_the_limits():
    import yaml
    from django.conf import settings

    path = settings.BASE_DIR / "practices" / "demo" / "data" / "cases.yaml"
    cases = yaml.safe_load(path.read_text())
    for case in cases:
        for field, limit in CASE_TEXT_LIMITS.items():
            assert len(case.get(field) or "") <= limit, (case["title"], field)
