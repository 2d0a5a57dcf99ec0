from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, User

GOOD_PASSWORD = "a-long-and-unusual-passphrase"


def _link_from_mail(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _accept(client, path, **overrides):
    data = {"full_name": "New Person", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    data.update(overrides)
    return client.post(path, data)


@pytest.fixture
def invited(admin_client, org_admin, django_capture_on_commit_callbacks):
    """An admin invites new@org.test through the page; returns the path of the mailed link."""
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("accounts:invite"), {"email": "New@Org.test", "role": "member"}
        )
    assert response.status_code == 302
    admin_client.logout()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@org.test"]
    return _path(_link_from_mail(mail.outbox[0]))


def test_invitation_mail_has_single_use_link_and_html_part(invited):
    message = mail.outbox[0]
    assert "expires in 7 days" in message.body
    assert message.alternatives[0][1] == "text/html"
    # Only the hash of the secret is stored.
    secret = invited.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=secret).exists()


def test_accepting_creates_the_account_in_the_organisation_and_signs_in(client, invited, org):
    page = client.get(invited)
    assert page.status_code == 200
    assert b"new@org.test" in page.content

    response = _accept(client, invited)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:organisation")
    user = User.objects.get(email="new@org.test")
    assert user.organisation == org
    assert user.role == User.Role.MEMBER
    assert user.check_password(GOOD_PASSWORD)
    assert client.get(reverse("accounts:organisation")).status_code == 200
    assert Invitation.objects.get(email="new@org.test").accepted_at is not None


def test_used_link_shows_a_clear_page_and_creates_nothing(client, invited):
    _accept(client, invited)
    client.logout()

    response = _accept(client, invited, full_name="Someone Else")

    assert response.status_code == 410
    assert b"already been used" in response.content
    assert User.objects.filter(email="new@org.test").count() == 1
    assert User.objects.get(email="new@org.test").full_name == "New Person"


def test_expired_link_shows_a_clear_page_and_creates_nothing(client, invited):
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        get = client.get(invited)
        post = _accept(client, invited)

    assert get.status_code == post.status_code == 410
    assert b"expired" in post.content
    assert not User.objects.filter(email="new@org.test").exists()


def test_link_still_works_just_before_expiry(client, invited):
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert _accept(client, invited).status_code == 302


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p[:-3] + "xx/",
        lambda p: p.replace("/invitations/", "/invitations/a"),
        lambda p: "/invitations/nonsense/",
    ],
    ids=["changed", "prefixed", "made-up"],
)
def test_tampered_link_shows_a_clear_page_and_creates_nothing(client, invited, tamper):
    response = _accept(client, tamper(invited))

    assert response.status_code == 410
    assert b"not valid" in response.content
    assert not User.objects.filter(email="new@org.test").exists()


def test_revoked_link_shows_a_clear_page_and_creates_nothing(client, invited, org_admin):
    services.invitation_revoke(actor=org_admin, invitation=Invitation.objects.get())

    response = _accept(client, invited)

    assert response.status_code == 410
    assert b"withdrawn" in response.content
    assert not User.objects.filter(email="new@org.test").exists()


def test_resending_replaces_the_link(
    client, invited, org_admin, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=org_admin, invitation=Invitation.objects.get())
    new_link = _path(_link_from_mail(mail.outbox[0]))

    assert _accept(client, invited).status_code == 410
    assert _accept(client, new_link).status_code == 302


def test_bad_password_is_explained_next_to_the_field_and_nothing_is_saved(client, invited):
    response = _accept(client, invited, password1="short", password2="short")

    assert response.status_code == 200
    assert b"too short" in response.content
    assert b'href="#id_password1"' in response.content
    assert not User.objects.filter(email="new@org.test").exists()
    assert Invitation.objects.get().accepted_at is None


def test_mismatched_passwords_are_refused(client, invited):
    response = _accept(client, invited, password2="another-long-passphrase")

    assert b"The two passwords differ" in response.content
    assert not User.objects.filter(email="new@org.test").exists()


def test_an_address_with_an_account_cannot_be_invited(admin_client, outsider):
    response = admin_client.post(
        reverse("accounts:invite"), {"email": outsider.email, "role": "member"}
    )

    assert response.status_code == 400
    assert b"already has an account" in response.content
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_invalid_email_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("accounts:invite"), {"email": "not-an-address", "role": "member"}
    )

    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not Invitation.objects.exists()


def test_admin_role_invitation_makes_an_admin(
    client, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("accounts:invite"), {"email": "second@org.test", "role": "admin"})
    admin_client.logout()

    _accept(client, _path(_link_from_mail(mail.outbox[0])))

    assert User.objects.get(email="second@org.test").role == User.Role.ADMIN


def test_there_is_no_public_sign_up(client, db):
    assert client.get("/accounts/signup/").status_code == 404
    assert b"sign up" not in client.get(reverse("account_login")).content.lower()
