"""Choosing the language: browser, switcher (cookie / preference), preferences page, Vary."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, User
from outbox.models import Email
from tests.factories import PASSWORD, UserFactory

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def _html_lang(response) -> str:
    text = response.content.decode()
    start = text.index("<html lang=") + len('<html lang="')
    return text[start : text.index('"', start)]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("fr-FR,fr;q=0.9", "fr"), ("ja", "ja"), ("ko-KR", "ko"), ("de", "en-gb"), ("", "en-gb")],
)
def test_the_browser_language_is_used_when_nothing_was_chosen(client, db, accept, expected):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 200
    assert _html_lang(response) == expected
    assert response["Content-Language"] == expected


def test_pages_vary_on_accept_language_and_cookie(client, member):
    anonymous = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(member)
    signed_in = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")

    for response in (anonymous, signed_in):
        vary = {part.strip().lower() for part in response["Vary"].split(",")}
        assert "accept-language" in vary
    assert "cookie" in {part.strip().lower() for part in signed_in["Vary"].split(",")}


def test_the_header_switcher_is_a_plain_form_with_every_language_named_in_itself(client, db):
    response = client.get(reverse("home"))
    text = response.content.decode()

    assert f'action="{reverse("set_language")}"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert 'name="next" value="/"' in text
    for code, endonym in settings.LANGUAGES:
        assert f'value="{code}" lang="{code}"' in text
        assert endonym in text


def test_switcher_for_a_visitor_sets_the_cookie_and_goes_back(client, db):
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/cases/"})

    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_lang(page) == "ja"
    assert "ホーム" in page.content.decode()


def test_switcher_refuses_get_and_an_outside_next(client, db):
    assert client.get(reverse("set_language")).status_code == 405
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_switcher_for_a_signed_in_person_saves_the_preference(client, member):
    client.force_login(member)

    client.post(reverse("set_language"), {"language": "ko", "next": "/"})

    member.refresh_from_db()
    assert member.language == "ko"
    # Another device, another browser language: the preference wins.
    other = client.__class__()
    other.force_login(member)
    page = other.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_lang(page) == "ko"


def test_switcher_ignores_an_unknown_language(client, member):
    client.force_login(member)

    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    member.refresh_from_db()
    assert member.language == ""


def test_switcher_needs_the_csrf_token(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("set_language"), {"language": "fr"}).status_code == 403


def test_preferences_page_edits_the_language(client, member):
    client.force_login(member)
    page = client.get(reverse("accounts:preferences"))
    assert 'name="language"' in page.content.decode()

    response = client.post(
        reverse("accounts:preferences"),
        {"full_name": member.full_name, "language": "fr", "wants_optional_email": "on"},
        follow=True,
    )

    member.refresh_from_db()
    assert member.language == "fr"
    assert _html_lang(response) == "fr"
    assert "Préférences enregistrées." in response.content.decode()


def test_preferences_page_may_go_back_to_the_browser_language(client, member):
    member.language = "ja"
    member.save()
    client.force_login(member)

    client.post(
        reverse("accounts:preferences"),
        {"full_name": member.full_name, "language": "", "wants_optional_email": "on"},
    )

    member.refresh_from_db()
    assert member.language == ""
    assert _html_lang(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ko")) == "ko"


def test_api_problem_titles_follow_accept_language(client, db):
    response = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code in (401, 403)
    assert response.json()["title"] in ("Non authentifié", "Non autorisé")
    assert response.json()["type"].startswith("https://")


# --- E-mails of accounts, in the recipient's language ------------------------------------

INVITATION_SUBJECTS = {
    "en-gb": "[Practice Exchange] Invitation to join Estonian Test Office",
    "fr": "[Practice Exchange] Invitation à rejoindre Estonian Test Office",
    "ja": "[Practice Exchange] Estonian Test Office への招待",
    "ko": "[Practice Exchange] Estonian Test Office 참여 초대",
}
INVITATION_BODIES = {
    "en-gb": "Choose your password here",
    "fr": "Choisissez votre mot de passe ici",
    "ja": "こちらからパスワードを設定してください",
    "ko": "여기에서 비밀번호를 설정하십시오",
}

INVITATION_HTML = {
    "en-gb": "Choose your password</a>",
    "fr": "Choisissez votre mot de passe</a>",
    "ja": "パスワードを設定してください</a>",
    "ko": "비밀번호를 설정하십시오</a>",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_mail_is_in_the_chosen_language_whatever_the_page(
    org, org_admin, language, settings
):
    settings.LANGUAGE_CODE = "en-gb"
    from django.utils import translation

    with translation.override("ko" if language != "ko" else "fr"):  # the page's language
        invitation, _ = services.invitation_create(
            actor=org_admin, organisation=org, email="new@org.test", language=language
        )

    email = Email.objects.get(reference=f"invitation:{invitation.pk}")
    assert email.subject == INVITATION_SUBJECTS[language]
    assert INVITATION_BODIES[language] in email.body
    assert INVITATION_HTML[language] in email.html_body
    assert invitation.language == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_without_a_choice_follows_the_inviter_preference(org, org_admin, language):
    org_admin.language = language
    org_admin.save()

    invitation, _ = services.invitation_create(
        actor=org_admin, organisation=org, email="new@org.test"
    )

    assert invitation.language == language
    email = Email.objects.get(reference=f"invitation:{invitation.pk}")
    assert email.subject == INVITATION_SUBJECTS[language]


def test_invite_form_offers_the_language_and_the_accepted_person_keeps_it(admin_client, org):
    page = admin_client.get(reverse("accounts:organisation"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'name="language"' in page.content.decode()

    admin_client.post(
        reverse("accounts:invite"),
        {"email": "new@org.test", "role": "member", "language": "ja"},
    )

    invitation = Invitation.objects.get(email="new@org.test")
    assert invitation.language == "ja"
    token = services.invitation_resend(actor=invitation.invited_by, invitation=invitation)
    resent = Email.objects.filter(reference=f"invitation:{invitation.pk}").latest("id")
    assert resent.subject == INVITATION_SUBJECTS["ja"]
    person = services.invitation_accept(token=token, full_name="New Person", password=PASSWORD)
    assert person.language == "ja"


@pytest.mark.parametrize(
    ("language", "subject_words"),
    [("en-gb", "Password Reset"), ("fr", "mot de passe"), ("ja", "パスワード"), ("ko", "비밀번호")],
)
def test_password_reset_mail_is_in_the_person_language(client, org, language, subject_words):
    person = UserFactory(organisation=org, email="reset@org.test", language=language)
    # Asked for from a page in another language: the mail still follows the person.
    client.post(
        reverse("account_reset_password"),
        {"email": person.email},
        HTTP_ACCEPT_LANGUAGE="de" if language != "en-gb" else "fr",
    )

    sent = [m for m in mail.outbox if person.email in m.to] or [
        e for e in Email.objects.order_by("id") if person.email in e.to
    ]
    assert sent, "no password reset mail"
    subject = sent[-1].subject
    assert subject_words.lower() in subject.lower()


def test_language_of_a_person_without_preference_is_the_default(db):
    from accounts.languages import language_of

    assert language_of(User(language="")) == settings.LANGUAGE_CODE
    assert language_of(User(language="ko")) == "ko"


def test_the_switcher_names_each_language_in_itself_whatever_the_page_language(db):
    # db: the home page lists the collections the visitor may read.
    from django.test import Client

    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for endonym in ("English", "Français", "日本語", "한국어"):
        assert f">{endonym}</option>" in page
    assert ">Anglais</option>" not in page
