"""Moderators and organisation admins cannot use privileged pages without two-factor."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD


def _sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_admin_without_two_factor_is_sent_to_enrolment_at_sign_in(client, org_admin):
    response = _sign_in(client, org_admin)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_moderator_without_two_factor_is_sent_to_enrolment_at_sign_in(client, moderator):
    response = _sign_in(client, moderator)

    assert response["Location"] == reverse("mfa_activate_totp")


def test_member_is_not_asked_for_two_factor(client, member):
    response = _sign_in(client, member)

    assert response["Location"] == reverse("home")


def test_admin_without_two_factor_cannot_use_admin_pages(client, org_admin, member):
    client.force_login(org_admin)

    invite = client.get(reverse("accounts:invite"))
    deactivate = client.post(reverse("accounts:member-deactivate", args=[member.uuid]))

    assert invite["Location"] == reverse("mfa_activate_totp")
    assert deactivate["Location"] == reverse("mfa_activate_totp")
    member.refresh_from_db()
    assert member.is_active


def test_enrolment_page_offers_an_authenticator_secret(client, org_admin):
    _sign_in(client, org_admin)

    page = client.get(reverse("mfa_activate_totp"))

    assert page.status_code == 200
    assert b"Authenticator secret" in page.content or b"secret" in page.content.lower()


def test_enrolling_through_the_page_unlocks_admin_pages(client, org_admin):
    _sign_in(client, org_admin)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert client.get(reverse("accounts:invite")).status_code == 200
    assert org_admin.authenticator_set.filter(type="recovery_codes").exists()


def test_enrolled_admin_signs_in_with_a_code(client, org_admin):
    secret = enrol_totp(org_admin)

    first = _sign_in(client, org_admin)
    assert first["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert second.status_code == 302
    assert client.get(reverse("accounts:invite")).status_code == 200


def test_wrong_code_does_not_sign_in(client, org_admin):
    enrol_totp(org_admin)
    _sign_in(client, org_admin)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited(client, member):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content
