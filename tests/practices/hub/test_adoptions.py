"""Recording, changing and removing adoptions: who may, what is refused, and what follows
(audit row, change-feed entry for the case, webhook payloads, the mail to the originator)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from practices.exceptions import AdoptionRefused
from practices.hub import adoptions
from practices.models import Adoption, AuditEvent, CaseChange, WebhookEndpoint
from practices.sync import signing
from tests.practices.hub.adoption_scene import ADOPTER_NAME, ORIGINATOR_NAME, make_scene

VALUES = {
    "applied_on": datetime.date(2026, 3, 1),
    "where": "Seoul, ahead of the local elections",
    "adaptation": "We ran the fact-check hotline in Korean <script>alert(1)</script>.",
    "effect": "highly_effective",
    "evidence": "measured",
}


@pytest.fixture
def scene(db):
    return make_scene()


@pytest.fixture(autouse=True)
def _in_english():
    # Services answer in the active language; no earlier test may leave another one active.
    with translation.override("en"):
        yield


def _record(scene, case, who="adopter", **extra):
    return adoptions.adoption_record(
        actor=scene.people[who], case_study=case, **{**VALUES, **extra}
    )


def test_member_of_another_organisation_records_an_adoption_with_audit_and_feed_entry(
    scene, django_capture_on_commit_callbacks
):
    case = scene.case(tlp="amber")
    with django_capture_on_commit_callbacks(execute=True):
        adoption = _record(scene, case)
    adoption.refresh_from_db()
    assert adoption.organisation == scene.adopter
    assert adoption.author == scene.people["adopter"]
    assert adoption.version == 1
    event = AuditEvent.objects.get(object_type="practices.adoption")
    assert event.action == AuditEvent.Action.CREATE
    assert event.case_study_uuid == case.uuid
    assert event.changes["effect"] == [None, "highly_effective"]
    [change] = CaseChange.objects.filter(case_uuid=case.uuid)
    assert change.case_study_id == case.pk


@pytest.mark.parametrize("who", ["originator"])
def test_the_originators_own_people_may_not_record_one(scene, who):
    case = scene.case()
    with pytest.raises(PermissionDenied, match="Your organisation wrote this case"):
        _record(scene, case, who=who)
    assert not Adoption.objects.exists()
    assert not CaseChange.objects.exists()


def test_a_case_the_actor_may_not_read_is_refused(scene):
    case = scene.case(tlp="amber")  # the bystander is no recipient
    with pytest.raises(AdoptionRefused, match="No case you may read"):
        _record(scene, case, who="bystander")
    assert not Adoption.objects.exists()


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn"])
def test_an_unpublished_case_is_refused(scene, status):
    case = scene.case(status=status)
    # A moderator may read a submitted or withdrawn case, but not record an adoption of it.
    with pytest.raises(AdoptionRefused):
        _record(scene, case, who="moderator")
    assert not Adoption.objects.exists()


def test_invalid_input_is_refused_with_clear_messages_and_nothing_saved(scene):
    case = scene.case()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        _record(scene, case, applied_on=tomorrow, where="  ", effect="magic", evidence="")
    errors = caught.value.message_dict
    assert errors["applied_on"] == ["The date it was applied cannot be in the future."]
    assert set(errors) >= {"where", "effect", "evidence"}
    assert not Adoption.objects.exists()
    assert not AuditEvent.objects.exists()
    assert not CaseChange.objects.exists()


def test_only_the_adopting_organisation_may_edit_or_delete(scene):
    case = scene.case()
    adoption = _record(scene, case)
    for who in ("originator", "bystander", "moderator"):
        with pytest.raises(PermissionDenied):
            adoptions.adoption_update(actor=scene.people[who], adoption=adoption, where="X")
        with pytest.raises(PermissionDenied):
            adoptions.adoption_delete(actor=scene.people[who], adoption=adoption)
    colleague = type(scene.people["adopter"]).objects.create_user(
        email="colleague@adopter.test", password="x", organisation=scene.adopter
    )
    changed = adoptions.adoption_update(
        actor=colleague, adoption=adoption, expected_version=1, effect="partly_effective"
    )
    assert changed.version == 2
    assert changed.effect == "partly_effective"
    with pytest.raises(AdoptionRefused, match="changed this adoption meanwhile"):
        adoptions.adoption_update(actor=colleague, adoption=adoption, expected_version=1)
    adoptions.adoption_delete(actor=colleague, adoption=adoption)
    assert not Adoption.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(adoption.uuid))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    # One feed entry for the case at each write.
    assert CaseChange.objects.filter(case_uuid=case.uuid).count() == 3


def test_edits_stop_when_the_case_becomes_unreadable(scene):
    case = scene.case(tlp="amber")
    adoption = _record(scene, case)
    case.recipients.remove(scene.adopter)
    with pytest.raises(AdoptionRefused, match="No case you may read"):
        adoptions.adoption_update(actor=scene.people["adopter"], adoption=adoption, where="Y")


@pytest.mark.parametrize("anonymised", [False, True], ids=["named", "anonymised"])
def test_the_originating_organisation_is_told_by_mail(
    scene, anonymised, django_capture_on_commit_callbacks
):
    admin = type(scene.people["adopter"]).objects.create_user(
        email="admin@orig.test", password="x", organisation=scene.originator, role="admin"
    )
    admin.language = "fr"
    admin.save()
    case = scene.case()
    case.created_by = scene.people["originator"]
    case.save()
    mode = "anonymised" if anonymised else "named"
    with django_capture_on_commit_callbacks(execute=True):
        _record(scene, case, attribution_mode=mode)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@orig.test", "author@orig.test"]
    for message in mail.outbox:
        html = message.alternatives[0][0]
        for text in (message.subject, message.body, html):
            assert (ADOPTER_NAME in text) is (not anonymised and text is not message.subject)
        assert case.title in message.subject
        assert f"/cases/{case.uuid}/#adoptions" in message.body
    french = next(m for m in mail.outbox if m.to == ["admin@orig.test"])
    english = next(m for m in mail.outbox if m.to == ["author@orig.test"])
    assert "Seoul" in english.body and "Measured" in english.body
    assert french.subject != english.subject
    if anonymised:
        assert "A partner organisation (Indo-Pacific)" in english.body
    # Nobody outside the originating organisation is told.
    assert not [m for m in mail.outbox if not m.to[0].endswith("@orig.test")]


def test_webhook_payload_carries_the_adoption_and_hides_an_anonymised_adopter(scene):
    endpoints = {}
    for who, organisation in (("bystander", scene.bystander), ("adopter", scene.adopter)):
        endpoints[who] = WebhookEndpoint.objects.create(
            organisation=organisation,
            url="https://hooks.example.test/in",
            secret_encrypted=signing.secret_encrypt("whsec_" + who),
            event_types=WebhookEndpoint.EventType.values,
        )
    case = scene.case(tlp="green")
    _record(scene, case, attribution_mode="anonymised")

    bystander = endpoints["bystander"].events.get().payload
    [seen] = bystander["case"]["adoptions"]
    assert seen["adopter"]["anonymised"] is True
    assert seen["where"] == VALUES["where"]
    assert ADOPTER_NAME not in json.dumps(bystander)
    own = endpoints["adopter"].events.get().payload
    assert own["case"]["adoptions"][0]["adopter"]["name"] == ADOPTER_NAME


def test_originator_name_of_an_anonymised_case_stays_hidden_in_the_adoption_mail(scene):
    case = scene.case()
    case.attribution_mode = "anonymised"
    case.save()
    _record(scene, case)
    # The originator is told about its own case: it may see its own name; the adopter sees
    # no originator name on its page.
    response = scene.client("adopter").get(f"/cases/{case.uuid}/")
    assert ORIGINATOR_NAME not in response.content.decode()


def test_demo_data_holds_named_and_anonymised_adoptions_and_loads_twice_the_same(db):
    from io import StringIO

    from django.core.management import call_command

    from practices.demo.adoptions import ADOPTIONS

    call_command("seed_demo", stdout=StringIO())
    first = sorted(Adoption.objects.values_list("uuid", "case_study_id", "organisation_id"))
    call_command("seed_demo", stdout=StringIO())
    assert sorted(Adoption.objects.values_list("uuid", "case_study_id", "organisation_id")) == (
        first
    )
    assert len(first) == len(ADOPTIONS)
    assert {a.attribution_mode for a in Adoption.objects.all()} == {"named", "anonymised"}
    for adoption in Adoption.objects.select_related("case_study"):
        assert adoption.organisation_id != adoption.case_study.organisation_id
        assert adoption.case_study.status == "published"
        assert CaseChange.objects.filter(case_study=adoption.case_study).exists()
