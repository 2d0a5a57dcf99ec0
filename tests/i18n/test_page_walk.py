"""Every main page, in every language: 200, ``<html lang>`` right, and no sentence of our
catalogues left in English where the catalogue has a translation.

Visitors are asked with ``Accept-Language``; signed-in people carry the language as their
preference (and the browser asks for another, to show the preference wins). The check
covers the sentences of every catalogue of the project (``*/locale/*/django.po``): pages of
``practices`` are checked as far as its catalogue reaches.
"""

from __future__ import annotations

import html
import re
from functools import cache

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD, CaseStudyFactory, OrganisationFactory, UserFactory
from tests.i18n.catalogues import PLACEHOLDER, catalogue_paths, read_po

LANGUAGES = [code for code, _ in settings.LANGUAGES]
OTHER_BROWSER = {"en-gb": "fr", "fr": "ja", "ja": "ko", "ko": "en-gb"}
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def visible_text(content: str) -> str:
    text = TAG.sub(" ", HIDDEN.sub(" ", content))
    return " ".join(html.unescape(text).split())


@cache
def english_sentences(language: str) -> tuple[str, ...]:
    """Sentences of our catalogues that read differently in ``language``: finding one of them
    in a page means a string was not translated. Short words are left out (they occur in
    names and user content); each sentence is cut at its placeholders and markup."""
    sentences: set[str] = set()
    for path in catalogue_paths():
        if path.parts[-3] != language:
            continue
        _, entries = read_po(path)
        for entry in entries:
            translated = " ".join(entry.translations)
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                for piece in PLACEHOLDER.split(TAG.sub("\x00", source)):
                    for chunk in piece.split("\x00"):
                        chunk = " ".join(html.unescape(chunk).split()).strip(" .,:;")
                        if len(chunk) >= 16 and " " in chunk and chunk not in translated:
                            sentences.add(chunk)
    return tuple(sorted(sentences))


def assert_page_in(response, language: str) -> None:
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert 'class="language-switcher"' in content, "not the portal's layout"
    if language == settings.LANGUAGE_CODE:
        return
    text = visible_text(content)
    left = [sentence for sentence in english_sentences(language) if sentence in text]
    assert left == [], f"untranslated on {response.request['PATH_INFO']}"


def test_the_check_catches_an_untranslated_sentence():
    sentences = english_sentences("fr")
    assert any(s.startswith("Share only what your organisation has cleared") for s in sentences)
    page = "<p>Share only what your organisation has cleared for release. Handling follows TLP</p>"
    assert [s for s in sentences if s in visible_text(page)]


@pytest.fixture
def world(db):
    """An organisation with an admin and a member, a hub moderator, and cases."""
    org = OrganisationFactory(name="Estonian Test Office", short_name="EE TO")
    other = OrganisationFactory(name="Japanese Test Office", short_name="JP TO", country="JP")
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub", country="LV")
    admin = UserFactory(organisation=org, role="admin", email="admin@org.test")
    member = UserFactory(organisation=org, email="member@org.test")
    moderator = UserFactory(organisation=hub, is_moderator=True, email="moderator@hub.test")
    secrets = {}
    for person in (admin, moderator):
        secrets[person.pk] = enrol_totp(person)
        RecoveryCodes.activate(person)
    published = CaseStudyFactory(organisation=org, status="published", tlp="clear")
    submitted = CaseStudyFactory(organisation=other, status="submitted", tlp="green")
    draft = CaseStudyFactory(organisation=org, status="draft", tlp="green")
    return {
        "admin": admin,
        "member": member,
        "moderator": moderator,
        "published": published,
        "submitted": submitted,
        "draft": draft,
        "secrets": secrets,
    }


def _client(person, language: str) -> Client:
    person.language = language
    person.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE=OTHER_BROWSER[language])
    client.force_login(person)
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages(world, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for url in (
        reverse("home"),
        reverse("account_login"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_reset_password_from_key", args=["0", "bad-key"]),
        reverse("account_reset_password_from_key_done"),
        reverse("practices:case-list"),
        reverse("practices:case-detail", args=[world["published"].uuid]),
        reverse("accounts:invitation-accept", args=["not-a-token"]),
        "/no-such-page/",
    ):
        response = client.get(url)
        if url == "/no-such-page/":
            assert response.status_code == 404
            assert f'<html lang="{language}">' in response.content.decode()
            continue
        if "invitations/" in url:
            assert response.status_code == 410
            assert f'<html lang="{language}">' in response.content.decode()
            continue
        assert_page_in(response, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_pages(world, language):
    client = _client(world["member"], language)
    draft = world["draft"]
    for url in (
        reverse("home"),
        reverse("practices:case-list"),
        reverse("practices:case-detail", args=[world["published"].uuid]),
        reverse("practices:our-cases"),
        reverse("practices:case-create"),
        reverse("practices:case-edit", args=[draft.uuid, "incident"]),
        reverse("practices:saved-search-list"),
        reverse("accounts:organisation"),
        reverse("accounts:preferences"),
        reverse("account_change_password"),
        reverse("account_email"),
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("mfa_index"),
        reverse("mfa_activate_totp"),
    ):
        assert_page_in(client.get(url), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_organisation_admin_pages(world, language):
    client = _client(world["admin"], language)
    for url in (
        reverse("accounts:organisation"),
        reverse("accounts:invite"),
        reverse("accounts:member-detail", args=[world["member"].uuid]),
        reverse("accounts:tokens"),
        reverse("webhooks:list"),
        reverse("mfa_index"),
    ):
        assert_page_in(client.get(url), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_recovery_codes_after_a_two_factor_sign_in(world, language):
    admin = world["admin"]
    admin.language = language
    admin.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE=OTHER_BROWSER[language])
    client.post(reverse("account_login"), {"login": admin.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(world["secrets"][admin.pk])})

    # The codes page, or the re-authentication it asks for first: both in the portal's layout.
    assert_page_in(client.get(reverse("mfa_view_recovery_codes"), follow=True), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_moderator_pages(world, language):
    client = _client(world["moderator"], language)
    for url in (
        reverse("moderation:queue"),
        reverse("moderation:review", args=[world["submitted"].uuid]),
        reverse("practices:audit-log"),
    ):
        assert_page_in(client.get(url), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_factor_sign_in_step(world, language):
    """The second step of signing in (MFA authenticate) in the reader's language."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(
        reverse("account_login"), {"login": world["moderator"].email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert Authenticator.objects.filter(user=world["moderator"]).exists()

    assert_page_in(client.get(reverse("mfa_authenticate")), language)
