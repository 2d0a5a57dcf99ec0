"""API v1 attachments: tokens download what they may read (404 otherwise), with absolute links
in every case representation — from the request in the API, from SITE_URL in webhooks."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Organisation
from practices.cases import services
from practices.cases.representation import CaseStudySerializer
from practices.models import Attachment, AuditEvent, CaseStudy
from tests.factories import CaseStudyFactory, OrganisationFactory
from tests.practices.api.test_api_cases import assert_problem, bearer
from tests.practices.cases.test_attachments import PDF  # a complete PDF


@pytest.fixture
def attachment(member) -> Attachment:
    """A PDF on a draft of the member's organisation."""
    case = CaseStudyFactory(organisation=member.organisation, status="draft", tlp="amber")
    return services.attachment_add(
        actor=member,
        case_study=case,
        upload=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
    )


def download_url(attachment: Attachment) -> str:
    return f"/api/v1/cases/{attachment.case_study.uuid}/attachments/{attachment.uuid}/"


def _publish(attachment: Attachment, *, tlp: str, recipients=()) -> CaseStudy:
    case = attachment.case_study
    CaseStudy.objects.filter(pk=case.pk).update(status="published", tlp=tlp)
    case.recipients.set(recipients)
    return case


def test_own_token_downloads_the_file_as_an_attachment_and_it_is_audited(attachment, org):
    response = bearer(org).get(download_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="download")
    assert event.case_study_uuid == attachment.case_study.uuid
    assert event.channel == AuditEvent.Channel.API


def test_a_client_that_accepts_only_the_file_type_still_gets_the_file(attachment, org):
    response = bearer(org).get(download_url(attachment), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_outsider_token_gets_the_same_404_as_for_a_missing_file(attachment, other_org):
    hidden = assert_problem(bearer(other_org).get(download_url(attachment)), 404)
    missing_url = f"/api/v1/cases/{attachment.case_study.uuid}/attachments/{uuid.uuid4()}/"
    missing = assert_problem(bearer(other_org).get(missing_url), 404)

    assert hidden == missing
    assert not AuditEvent.objects.filter(action="download").exists()


def test_amber_file_reaches_recipients_only(attachment, other_org):
    third = OrganisationFactory(name="Third Office", short_name="TO")
    _publish(attachment, tlp="amber", recipients=[other_org])

    assert bearer(other_org).get(download_url(attachment)).status_code == 200
    assert_problem(bearer(third).get(download_url(attachment)), 404)


def test_public_file_downloads_for_any_token_without_an_audit_record(attachment, other_org):
    _publish(attachment, tlp="clear")

    assert bearer(other_org).get(download_url(attachment)).status_code == 200
    assert not AuditEvent.objects.filter(action="download").exists()


def test_a_file_of_another_case_is_not_found_through_this_case(attachment, org):
    other_case = CaseStudyFactory(organisation=org, status="draft")
    url = f"/api/v1/cases/{other_case.uuid}/attachments/{attachment.uuid}/"

    assert_problem(bearer(org).get(url), 404)


@pytest.mark.parametrize("path", ["not-a-uuid/attachments/{a}", "{c}/attachments/not-a-uuid"])
def test_malformed_identifiers_are_404_problems(attachment, org, path):
    path = path.format(c=attachment.case_study.uuid, a=attachment.uuid)

    assert_problem(bearer(org).get(f"/api/v1/cases/{path}/"), 404)


def test_without_a_token_the_download_is_a_401(attachment):
    assert_problem(APIClient().get(download_url(attachment)), 401)


def test_case_links_are_absolute_and_the_download_link_works_with_the_token(attachment, org):
    client = bearer(org)
    body = client.get(f"/api/v1/cases/{attachment.case_study.uuid}/").json()

    assert body["url"] == f"http://testserver/api/v1/cases/{attachment.case_study.uuid}/"
    link = body["attachments"][0]["download_url"]
    assert link == f"http://testserver{download_url(attachment)}"
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_feed_entries_carry_absolute_links(attachment, org):
    from practices.sync import feed

    feed.backfill()
    entry = bearer(org).get("/api/v1/changes/").json()["results"][0]

    assert entry["case"]["attachments"][0]["download_url"].startswith("http://testserver/api/")


def test_webhook_payloads_build_links_from_site_url(attachment, org, settings):
    """A payload is built by a task, without a request: links start with SITE_URL."""
    settings.SITE_URL = "https://exchange.example.org"
    case = CaseStudy.objects.for_reader(_token_actor(org)).get(pk=attachment.case_study.pk)

    data = CaseStudySerializer(case, context={"actor": _token_actor(org)}).data

    assert data["url"] == f"https://exchange.example.org/api/v1/cases/{case.uuid}/"
    assert data["attachments"][0]["download_url"] == (
        f"https://exchange.example.org{download_url(attachment)}"
    )


def _token_actor(organisation: Organisation):
    from accounts.authentication import TokenActor
    from accounts.services import api_token_create

    token, _ = api_token_create(actor=None, organisation=organisation, name="hook")
    return TokenActor(token)


def test_the_schema_documents_the_download_and_real_looking_links(client, db):
    schema = client.get("/api/schema/?format=json").json()

    download = schema["paths"]["/api/v1/cases/{uuid}/attachments/{attachment_uuid}/"]["get"]
    assert "*/*" in download["responses"]["200"]["content"]
    text = client.get("/api/schema/?format=json").content.decode()
    assert "api.example.org" not in text
    assert "https://exchange.example.org/api/v1/cases/?cursor=" in text
