"""Where people land after signing in: moderators at the review queue (also after a two-factor
sign-in), everyone else at their home page; ``next=`` always wins."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD


def _sign_in(client, user, next_url: str | None = None):
    url = reverse("account_login")
    if next_url:
        url = f"{url}?next={next_url}"
    data = {"login": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def test_moderator_lands_on_the_queue_after_a_two_factor_sign_in(client, moderator):
    secret = enrol_totp(moderator)

    first = _sign_in(client, moderator)
    assert first["Location"] == reverse("mfa_authenticate")
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert second.status_code == 302
    assert second["Location"] == reverse("moderation:queue")
    assert client.get(second["Location"]).status_code == 200


def test_moderator_keeps_next_through_the_two_factor_step(client, moderator):
    secret = enrol_totp(moderator)
    target = reverse("practices:audit-log")

    _sign_in(client, moderator, next_url=target)
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert second["Location"] == target


def test_moderator_without_two_factor_still_goes_to_enrolment_first(client, moderator):
    response = _sign_in(client, moderator)

    assert response["Location"] == reverse("mfa_activate_totp")


def test_member_lands_on_home_and_keeps_next(client, member):
    assert _sign_in(client, member)["Location"] == reverse("home")
    client.logout()

    target = reverse("practices:case-list")
    assert _sign_in(client, member, next_url=target)["Location"] == target


def test_org_admin_lands_on_home_after_two_factor(client, org_admin):
    secret = enrol_totp(org_admin)

    _sign_in(client, org_admin)
    second = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert second["Location"] == reverse("home")


def test_moderator_of_an_inactive_organisation_cannot_sign_in(client, moderator):
    organisation = moderator.organisation
    organisation.is_active = False
    organisation.save()

    response = _sign_in(client, moderator)

    assert "_auth_user_id" not in client.session
    assert response.get("Location") != reverse("moderation:queue")
