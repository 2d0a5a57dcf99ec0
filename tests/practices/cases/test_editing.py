"""Drafting: sanitised Markdown, TLP:RED refused, completeness, stale edits, audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from practices.cases import services
from practices.exceptions import StaleEdit
from practices.models import AuditEvent, CaseStudy, ModerationEvent, Term
from tests.factories import CaseStudyFactory

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
]


@pytest.fixture
def vocabularies(db):
    call_command("load_vocabularies", stdout=io.StringIO())


@pytest.fixture
def draft(member):
    return CaseStudyFactory(
        organisation=member.organisation, status="draft", tlp="green", created_by=member
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("field", CaseStudy.MARKDOWN_FIELDS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_payloads_come_out_inert(client, member, field, payload):
    case = CaseStudyFactory(organisation=member.organisation, status="draft", **{field: payload})
    client.force_login(member)

    html = client.get(reverse("practices:case-detail", args=[case.uuid])).content.decode()
    body = html.split('<div class="case-body">', 1)[1].split("</aside>", 1)[0]

    for dangerous in (
        "<script",
        "onerror=",
        "onload=",
        "javascript:",
        "<iframe",
        "<svg",
        "<style",
        "data:text/html",
        "style=",
    ):
        assert dangerous not in body.lower(), (field, payload)


def test_preview_is_sanitised_and_saves_nothing(member, draft):
    client = _signed_in(member)

    response = client.post(
        reverse("practices:case-edit", args=[draft.uuid, "incident"]),
        {
            "version": draft.version,
            "title": draft.title,
            "incident": "**bold** <script>x()</script>",
            "attribution_confidence": "suspected",
            "preview": "1",
        },
    )

    assert b"<strong>bold</strong>" in response.content
    assert b"<script>x()" not in response.content
    draft.refresh_from_db()
    assert draft.incident == ""


def test_tlp_red_is_refused_with_the_reason(member, draft):
    response = _signed_in(member).post(
        reverse("practices:case-edit", args=[draft.uuid, "handling"]),
        {"version": draft.version, "tlp": "red", "attribution_mode": "named"},
    )

    assert response.status_code == 400
    assert b"does not belong on a shared portal" in response.content
    draft.refresh_from_db()
    assert draft.tlp == "green"


def test_submit_lists_exactly_what_is_missing(member, draft):
    response = _signed_in(member).post(reverse("practices:case-submit", args=[draft.uuid]))

    assert response.status_code == 400
    html = response.content.decode()
    for words in [
        "a description of what was spread",
        "at least one DISARM technique",
        "at least one country",
        "a region",
        "lessons learned",
    ]:
        assert words in html
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_amber_without_recipients_cannot_be_submitted(member, draft):
    draft.tlp = "amber"
    draft.save()

    assert any("recipient" in item for item in services.case_study_missing(draft))


def _complete(case: CaseStudy) -> CaseStudy:
    for field in ("incident", "response", "outcome", "lessons"):
        setattr(case, field, "Text.")
    case.incident_start = "2025-01-01"
    case.save()
    case.terms.add(
        Term.objects.get(taxonomy__slug="disarm-red", code="T0002"),
        Term.objects.get(taxonomy__slug="country", code="EE"),
        Term.objects.get(taxonomy__slug="region", code="euro-atlantic"),
    )
    return case


def test_complete_draft_is_submitted_with_history_and_audit(vocabularies, member, draft):
    _complete(draft)

    response = _signed_in(member).post(reverse("practices:case-submit", args=[draft.uuid]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.submitted_at is not None
    assert ModerationEvent.objects.filter(
        case_study=draft, to_status="submitted", actor=member
    ).exists()
    event = AuditEvent.objects.get(action="status", case_study_uuid=draft.uuid)
    assert event.changes == {"status": ["draft", "submitted"]}
    assert event.channel == "web"
    assert event.ip_address == "127.0.0.1"
    # A submitted case waits for review: it can no longer be edited.
    edit = _signed_in(member).get(reverse("practices:case-edit", args=[draft.uuid, "incident"]))
    assert edit.status_code == 302


def test_stale_edit_is_refused_and_keeps_what_was_typed(member, draft, org):
    other = _signed_in(member)
    mine = _signed_in(member)
    url = reverse("practices:case-edit", args=[draft.uuid, "outcome"])
    started_at = draft.version

    first = other.post(
        url,
        {
            "version": started_at,
            "outcome": "Their words.",
            "effectiveness": "effective",
            "evidence": "observed",
        },
    )
    second = mine.post(
        url,
        {
            "version": started_at,
            "outcome": "My careful words.",
            "effectiveness": "partly_effective",
            "evidence": "measured",
        },
    )

    assert first.status_code == 302
    assert second.status_code == 409
    assert b"Someone else saved this case" in second.content
    assert b"My careful words." in second.content  # still in the form
    draft.refresh_from_db()
    assert draft.outcome == "Their words."
    assert draft.version == started_at + 1


def test_stale_service_call_changes_nothing(member, draft):
    services.case_study_update(
        actor=member, case_study=draft, expected_version=draft.version, fields={"summary": "one"}
    )

    with pytest.raises(StaleEdit):
        services.case_study_update(
            actor=member,
            case_study=draft,
            expected_version=draft.version,
            fields={"summary": "two"},
            references=[{"url": "https://example.org", "title": "x", "archive_url": ""}],
        )

    draft.refresh_from_db()
    assert draft.summary == "one"
    assert not draft.references.exists()


def test_update_is_audited_with_before_and_after(vocabularies, member, draft):
    estonia = Term.objects.get(taxonomy__slug="country", code="EE")

    services.case_study_update(
        actor=member,
        case_study=draft,
        expected_version=draft.version,
        fields={"title": "New title"},
        terms={"country": [estonia]},
    )

    event = AuditEvent.objects.filter(action="update").get()
    assert event.changes["title"] == [draft.title, "New title"]
    assert event.changes["terms"] == [[], ["country:EE"]]
    assert event.actor == member
    assert event.organisation == member.organisation
    assert event.channel == "command"


def test_audit_events_cannot_be_changed_or_deleted(member, draft):
    services.case_study_update(
        actor=member, case_study=draft, expected_version=draft.version, fields={"summary": "x"}
    )
    event = AuditEvent.objects.get()

    with pytest.raises(Exception, match="cannot be changed"):
        event.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        event.delete()


def test_outsider_cannot_edit_or_submit(outsider, draft):
    client = _signed_in(outsider)

    assert (
        client.get(reverse("practices:case-edit", args=[draft.uuid, "incident"])).status_code == 404
    )
    assert client.post(reverse("practices:case-submit", args=[draft.uuid])).status_code == 404
    assert client.post(reverse("practices:case-delete", args=[draft.uuid])).status_code == 404
    assert CaseStudy.objects.filter(pk=draft.pk, status="draft").exists()


def test_member_deletes_a_draft(member, draft):
    response = _signed_in(member).post(reverse("practices:case-delete", args=[draft.uuid]))

    assert response.status_code == 302
    assert not CaseStudy.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="delete", case_study_uuid=draft.uuid).exists()


def test_keywords_become_terms_and_are_not_duplicated(member, draft):
    client = _signed_in(member)
    url = reverse("practices:case-edit", args=[draft.uuid, "incident"])
    data = {
        "title": draft.title,
        "attribution_confidence": "suspected",
        "keywords": "Deepfake audio, pre-bunking, deepfake audio",
    }

    client.post(url, {**data, "version": draft.version})
    client.post(url, {**data, "version": draft.version + 1})

    assert sorted(draft.terms.of("keyword").values_list("label", flat=True)) == [
        "Deepfake audio",
        "pre-bunking",
    ]
    assert Term.objects.of("keyword").count() == 2
