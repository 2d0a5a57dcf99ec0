from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import Invitation, Organisation, User


def test_seed_demo_is_idempotent_and_marks_everything_as_demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Organisation.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (Organisation.objects.count(), User.objects.count()) == counts
    assert counts[0] >= 9
    assert not Organisation.objects.filter(is_demo=False).exists()
    assert not User.objects.filter(is_demo=False).exists()
    groups = set(Organisation.objects.values_list("partner_group", flat=True))
    assert groups == {"hub", "nato_ally", "ap4_partner", "other_partner"}
    assert User.objects.filter(is_moderator=True).exists()
    assert User.objects.filter(role="admin").exists()
    assert User.objects.get(email="member@ee.demo").check_password(DEMO_PASSWORD)


def test_operator_creates_an_organisation_and_invites_a_person(
    db, capsys, django_capture_on_commit_callbacks
):
    call_command(
        "organisation_create",
        "Danish Test Agency",
        "--short-name",
        "DK TA",
        "--group",
        "nato_ally",
        "--country",
        "dk",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("person_add", "dk-ta", "lead@dk.test", "--role", "admin")

    organisation = Organisation.objects.get(slug="dk-ta")
    assert organisation.country.code == "DK"
    invitation = Invitation.objects.get(email="lead@dk.test")
    assert invitation.organisation == organisation
    assert invitation.role == "admin"
    assert mail.outbox[0].to == ["lead@dk.test"]
    assert "/invitations/" in capsys.readouterr().out


def test_operator_adds_a_person_directly_and_grants_moderator(db):
    call_command("organisation_create", "Hub", "--short-name", "Hub", "--group", "hub")
    call_command("person_add", "hub", "mod@hub.test", "--password", "a-long-and-unusual-passphrase")
    call_command("moderator", "grant", "mod@hub.test")
    assert User.objects.get(email="mod@hub.test").is_moderator

    call_command("moderator", "revoke", "mod@hub.test")
    assert not User.objects.get(email="mod@hub.test").is_moderator


def test_bad_operator_input_fails_with_a_message_and_saves_nothing(db):
    with pytest.raises(CommandError, match="No organisation"):
        call_command("person_add", "nope", "x@y.test")
    with pytest.raises(CommandError, match="too short"):
        call_command("organisation_create", "Hub", "--short-name", "Hub", "--group", "hub")
        call_command("person_add", "hub", "x@y.test", "--password", "short")
    assert not User.objects.exists()
