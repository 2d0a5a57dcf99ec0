"""Account actions are in the audit trail, with the channel they came through, never a secret."""

from __future__ import annotations

import json
import re
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken, Invitation, User
from practices.models import AuditEvent
from tests.factories import UserFactory

Channel = AuditEvent.Channel


def events(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def test_invitation_send_resend_revoke_and_accept_are_audited(admin_client, org, org_admin):
    admin_client.post(reverse("accounts:invite"), {"email": "new@org.test", "role": "member"})
    invitation = Invitation.objects.get(email="new@org.test")
    admin_client.post(reverse("accounts:invitation-resend", args=[invitation.uuid]))
    token = services.invitation_resend(actor=org_admin, invitation=invitation)
    services.invitation_accept(
        token=token, full_name="New Person", password="a long enough passphrase 42"
    )
    other, _ = services.invitation_create(actor=org_admin, organisation=org, email="x@org.test")
    admin_client.post(reverse("accounts:invitation-revoke", args=[other.uuid]))

    trail = events("accounts.invitation")
    assert [(e.action, e.object_id) for e in trail] == [
        ("create", str(invitation.uuid)),
        ("update", str(invitation.uuid)),
        ("update", str(invitation.uuid)),
        ("update", str(invitation.uuid)),
        ("create", str(other.uuid)),
        ("update", str(other.uuid)),
    ]
    assert trail[0].changes == {"email": [None, "new@org.test"], "role": [None, "member"]}
    assert trail[0].channel == Channel.WEB and trail[0].actor == org_admin
    assert trail[0].organisation == org
    assert "resent" in trail[1].changes
    assert list(trail[3].changes) == ["accepted_at"]
    assert trail[3].actor.email == "new@org.test"
    assert list(trail[5].changes) == ["revoked_at"]
    person = events("accounts.user")
    assert [(e.action, e.actor.email) for e in person] == [("create", "new@org.test")]
    # The link's secret is nowhere in the trail.
    assert token not in json.dumps([e.changes for e in AuditEvent.objects.all()])


def test_role_change_deactivation_and_reactivation_are_audited(admin_client, member):
    admin_client.post(reverse("accounts:member-detail", args=[member.uuid]), {"role": "admin"})
    admin_client.post(reverse("accounts:member-deactivate", args=[member.uuid]))
    admin_client.post(reverse("accounts:member-reactivate", args=[member.uuid]))

    trail = events("accounts.user")
    assert [e.changes for e in trail] == [
        {"role": ["member", "admin"]},
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]
    assert {e.object_id for e in trail} == {str(member.uuid)}
    assert {e.channel for e in trail} == {Channel.WEB}


def test_token_issue_and_revoke_are_audited_without_the_secret(admin_client, org):
    page = admin_client.post(
        reverse("accounts:token-create"), {"name": "Nightly sync", "days": 30, "write": "on"}
    ).content.decode()
    plaintext = re.search(r"cdpe_[0-9a-f]{12}_[A-Za-z0-9_\-]{43}", page).group(0)
    token = ApiToken.objects.get()
    admin_client.post(reverse("accounts:token-revoke", args=[token.uuid]))

    trail = events("accounts.apitoken")
    assert [e.action for e in trail] == ["create", "update"]
    assert trail[0].changes["name"] == [None, "Nightly sync"]
    assert trail[0].changes["scopes"] == [None, ["read", "write"]]
    assert list(trail[1].changes) == ["revoked_at"]
    assert {e.organisation for e in trail} == {org}
    stored = json.dumps([e.changes for e in trail]) + "".join(e.object_repr for e in trail)
    assert plaintext.split("_", 2)[2] not in stored


def test_operator_commands_are_audited_on_the_command_channel(org):
    person = UserFactory(organisation=org, email="curator@org.test")

    call_command("moderator", "grant", person.email, stdout=StringIO())
    call_command("moderator", "revoke", person.email, stdout=StringIO())
    call_command("api_token", "create", org.slug, "Ops", stdout=StringIO())

    moderator_trail = events("accounts.user")
    assert [e.changes for e in moderator_trail] == [
        {"is_moderator": [False, True]},
        {"is_moderator": [True, False]},
    ]
    token_event = events("accounts.apitoken")[0]
    assert {e.channel for e in [*moderator_trail, token_event]} == {Channel.COMMAND}
    assert token_event.organisation == org
    assert User.objects.get(pk=person.pk).is_moderator is False


def test_a_refused_action_leaves_no_audit_event(admin_client, org_admin):
    # The last admin cannot be demoted: nothing changes, nothing is recorded.
    response = admin_client.post(
        reverse("accounts:member-detail", args=[org_admin.uuid]), {"role": "member"}
    )

    assert response.status_code == 400
    assert not events("accounts.user")
