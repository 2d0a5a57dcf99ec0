"""The operator admin: reached only through the portal's sign-in, and only with two-factor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from practices.models import AuditEvent
from tests.conftest import enrol_totp
from tests.factories import PASSWORD

ADMIN = "/admin/"


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser(email="ops@example.test", password=PASSWORD)


def test_operator_without_two_factor_is_sent_to_enrolment(client, operator):
    client.force_login(operator)

    response = client.get(ADMIN, follow=True)

    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert b"needs two-factor authentication" in response.content


def test_operator_with_two_factor_uses_the_admin(client, operator):
    enrol_totp(operator)
    client.force_login(operator)

    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_admin_sign_in_is_the_portals_sign_in(client, operator):
    response = client.get(ADMIN, follow=True)

    login = reverse("account_login")
    assert response.redirect_chain[-1][0] == f"{login}?next={ADMIN}"
    # Django's own password-only form is never offered, and posting to it signs nobody in.
    posted = client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})
    assert posted.status_code == 302 and posted["Location"].startswith(login)
    assert "_auth_user_id" not in client.session


def test_enrolled_operator_is_asked_for_the_second_factor(client, operator):
    enrol_totp(operator)

    response = client.post(
        reverse("account_login") + f"?next={ADMIN}",
        {"login": operator.email, "password": PASSWORD},
    )

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302


def test_staff_without_two_factor_is_sent_to_enrolment_at_sign_in(client, operator):
    response = client.post(
        reverse("account_login"), {"login": operator.email, "password": PASSWORD}
    )

    assert response["Location"] == reverse("mfa_activate_totp")


def test_signed_in_person_who_is_not_staff_gets_404(client, member):
    client.force_login(member)

    assert client.get(ADMIN, follow=True).status_code == 404


def test_operator_changes_in_the_admin_are_audited(client, operator, member):
    enrol_totp(operator)
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update(
        {
            "organisation": member.organisation_id,
            "role": "admin",
            "is_active": "",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": member.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": member.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("is_active")
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(object_type="accounts.user", object_id=str(member.uuid))
    assert event.channel == AuditEvent.Channel.ADMIN
    assert event.changes == {"is_active": [True, False], "role": ["member", "admin"]}
