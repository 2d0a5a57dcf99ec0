"""Organisation admins manage their own organisation and nothing else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, User
from tests.conftest import enrol_totp
from tests.factories import UserFactory


@pytest.fixture
def foreign_member(outsider_admin, other_org):
    return UserFactory(organisation=other_org, email="foreign@other.test")


@pytest.fixture
def foreign_invitation(outsider_admin, other_org):
    invitation, _ = services.invitation_create(
        actor=outsider_admin, organisation=other_org, email="x@other.test"
    )
    return invitation


def test_admin_lists_only_their_own_people(admin_client, member, foreign_member):
    page = admin_client.get(reverse("accounts:organisation")).content.decode()

    assert member.email in page
    assert foreign_member.email not in page


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("accounts:member-detail", "get"),
        ("accounts:member-detail", "post"),
        ("accounts:member-deactivate", "post"),
        ("accounts:member-reactivate", "post"),
    ],
)
def test_admin_gets_404_for_another_organisations_member(
    admin_client, foreign_member, name, method
):
    url = reverse(name, args=[foreign_member.uuid])

    response = getattr(admin_client, method)(url, {"role": "admin"})

    assert response.status_code == 404
    foreign_member.refresh_from_db()
    assert foreign_member.role == User.Role.MEMBER
    assert foreign_member.is_active


@pytest.mark.parametrize("name", ["accounts:invitation-resend", "accounts:invitation-revoke"])
def test_admin_gets_404_for_another_organisations_invitation(
    admin_client, foreign_invitation, name
):
    response = admin_client.post(reverse(name, args=[foreign_invitation.uuid]))

    assert response.status_code == 404
    foreign_invitation.refresh_from_db()
    assert foreign_invitation.is_pending


def test_member_gets_404_on_admin_pages(client, member, org_admin):
    client.force_login(member)

    assert client.get(reverse("accounts:invite")).status_code == 404
    assert (
        client.post(reverse("accounts:member-deactivate", args=[org_admin.uuid])).status_code == 404
    )
    org_admin.refresh_from_db()
    assert org_admin.is_active


def test_member_sees_people_but_no_invitations_or_actions(client, member, org_admin):
    services.invitation_create(
        actor=org_admin, organisation=org_admin.organisation, email="p@org.test"
    )
    client.force_login(member)

    page = client.get(reverse("accounts:organisation")).content.decode()

    assert org_admin.email in page
    assert "p@org.test" not in page
    assert "Deactivate" not in page


def test_admin_changes_a_role(admin_client, member):
    response = admin_client.post(
        reverse("accounts:member-detail", args=[member.uuid]), {"role": "admin"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == User.Role.ADMIN


def test_last_admin_cannot_be_demoted(client, org_admin, member):
    services.member_set_role(actor=org_admin, member=member, role="admin")
    services.member_set_role(actor=member, member=org_admin, role="member")
    enrol_totp(member)
    client.force_login(member)

    response = client.post(
        reverse("accounts:member-detail", args=[member.uuid]), {"role": "member"}
    )

    assert response.status_code == 400
    assert b"at least one active admin" in response.content
    member.refresh_from_db()
    assert member.role == User.Role.ADMIN


def test_deactivated_member_cannot_sign_in(admin_client, member):
    response = admin_client.post(reverse("accounts:member-deactivate", args=[member.uuid]))
    assert response.status_code == 302

    client = Client()
    client.post(
        reverse("account_login"),
        {"login": member.email, "password": "correct-horse-battery-staple"},
    )

    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    assert not member.is_active


def test_admin_cannot_deactivate_themselves(admin_client, org_admin):
    admin_client.post(reverse("accounts:member-deactivate", args=[org_admin.uuid]))

    org_admin.refresh_from_db()
    assert org_admin.is_active


def test_admin_revokes_and_resends_invitations(admin_client, org_admin):
    invitation, _ = services.invitation_create(
        actor=org_admin, organisation=org_admin.organisation, email="p@org.test"
    )
    old_hash = invitation.token_hash

    admin_client.post(reverse("accounts:invitation-resend", args=[invitation.uuid]))
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash

    admin_client.post(reverse("accounts:invitation-revoke", args=[invitation.uuid]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert not Invitation.objects.pending().exists()


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("accounts:organisation"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
