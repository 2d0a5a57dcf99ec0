"""The access request pages and mails in every language: nothing left in English."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from practices.hub import access
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory
from tests.i18n.test_page_walk import LANGUAGES, OTHER_BROWSER, assert_page_in

pytestmark = pytest.mark.django_db


def _client(person, language: str) -> Client:
    person.language = language
    person.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE=OTHER_BROWSER[language])
    client.force_login(person)
    return client


@pytest.fixture
def world(org, other_org, org_admin, outsider):
    enrol_totp(org_admin)
    offered = CaseStudyFactory(
        organisation=org, tlp="amber", status="published", discoverable=True, title="Offered"
    )
    asked = CaseStudyFactory(
        organisation=org,
        tlp="amber",
        status="published",
        discoverable=True,
        attribution_mode="anonymised",
        title="Asked",
    )
    pending = access.access_request_create(actor=outsider, case_study=asked, reason="Same.")
    declined_case = CaseStudyFactory(
        organisation=org, tlp="amber", status="published", discoverable=True, title="Declined"
    )
    declined = access.access_request_create(
        actor=outsider, case_study=declined_case, reason="Please."
    )
    access.access_request_decline(actor=org_admin, access_request=declined, note="Not now.")
    return {"offered": offered, "pending": pending, "declined": declined}


@pytest.mark.parametrize("language", LANGUAGES)
def test_requester_pages(world, outsider, language):
    client = _client(outsider, language)
    for url in (
        reverse("practices:access-stub-list"),
        reverse("practices:access-stub-detail", args=[world["offered"].uuid]),
        reverse("practices:access-requests-ours"),
        reverse("practices:access-request-detail", args=[world["pending"].uuid]),
        reverse("practices:access-request-detail", args=[world["declined"].uuid]),
    ):
        assert_page_in(client.get(url), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_originator_admin_pages(world, org_admin, language):
    client = _client(org_admin, language)
    for url in (
        reverse("practices:access-requests-incoming"),
        reverse("practices:access-request-detail", args=[world["pending"].uuid]),
        reverse("practices:access-request-detail", args=[world["declined"].uuid]),
        reverse("practices:case-detail", args=[world["offered"].uuid]),
    ):
        assert_page_in(client.get(url), language)


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Accès accordé"), ("ja", "アクセス承認"), ("ko", "접근 승인")],
)
def test_decision_mail_is_in_the_requesters_language(
    world, org_admin, outsider, language, words, django_capture_on_commit_callbacks
):
    outsider.language = language
    outsider.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access.access_request_grant(actor=org_admin, access_request=world["pending"])
    message = next(m for m in mail.outbox if m.to == [outsider.email])
    assert words in message.subject
    assert "Hello" not in message.body
