"""The moderators' reading aids: what changed since changes were requested, and history and
audit entries in words ("added DISARM T0086 …", "Case study"), not stored codes."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from practices.audit.readable import audit_events_readable, object_type_label
from practices.cases.services import case_study_update
from practices.models import AuditEvent, ModerationEvent, Taxonomy, Term
from practices.moderation import transitions
from practices.moderation.selectors import resubmission_diff
from practices.vocabularies.refs import term_refs_describe
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory


@pytest.fixture(scope="module")
def vocabularies(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_vocabularies", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        Term.objects.update(parent=None)
        Term.objects.all().delete()
        Taxonomy.objects.all().delete()


def term(slug: str, code: str) -> Term:
    return Term.objects.get(taxonomy__slug=slug, code=code)


@pytest.fixture
def required(vocabularies, db) -> list[int]:
    return [
        term("disarm-red", "T0002").pk,
        term("country", "EE").pk,
        term("region", "euro-atlantic").pk,
    ]


def submitted(org, member, terms):
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="submitted",
        submission_round=1,
        submitted_at=timezone.now() - datetime.timedelta(hours=2),
        title="Forged letters",
        summary="A fictional incident for tests.",
        incident="Forged letters about troop movements.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked the letters with the ministry.",
        outcome="The story stopped spreading.",
        lessons="Speed matters more than polish.",
        terms=terms,
    )


def signed_in(user) -> Client:
    if user.needs_two_factor:
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def review(client, case):
    response = client.get(reverse("moderation:review", args=[case.uuid]))
    assert response.status_code == 200
    return response.content.decode()


# --- The diff on resubmission ---------------------------------------------------------------


def test_resubmission_shows_what_changed_since_changes_were_requested(
    required, org, member, moderator
):
    case = submitted(org, member, required)
    transitions.case_study_request_changes(
        actor=moderator, case_study=case, comment="Say how you measured it."
    )
    case.refresh_from_db()
    case_study_update(
        actor=member,
        case_study=case,
        expected_version=case.version,
        fields={"outcome": "The story stopped spreading within two days, measured by shares."},
        terms={"theme": [term("theme", "elections")]},
    )
    transitions.case_study_submit(actor=member, case_study=case)
    case.refresh_from_db()

    html = review(signed_in(moderator), case)

    assert "Changed since changes were requested" in html
    assert "Say how you measured it." in html
    assert "<ins>spreading within two days, measured by shares.</ins>" in html
    assert "<del>spreading.</del>" in html
    assert "Added: theme Elections and referendums" in html
    assert "Forged letters about troop movements" in html  # the case itself still shows
    # Unchanged fields are not listed.
    diff = resubmission_diff(case_study=case)
    assert [row["label"] for row in diff["rows"]] == ["What changed", "Tags"]


def test_request_stores_the_case_as_the_moderator_read_it(required, org, member, moderator):
    case = submitted(org, member, required)

    transitions.case_study_request_changes(actor=moderator, case_study=case, comment="More.")

    event = ModerationEvent.objects.get(case_study=case, to_status="changes_requested")
    snapshot = event.details["snapshot"]
    assert snapshot["fields"]["outcome"] == "The story stopped spreading."
    assert sorted(snapshot["terms"]) == sorted(required)


def test_first_submission_shows_no_resubmission_diff(required, org, member, moderator):
    case = submitted(org, member, required)

    html = review(signed_in(moderator), case)

    assert resubmission_diff(case_study=case) is None
    assert "Changed since changes were requested" not in html


def test_a_request_recorded_without_snapshot_says_so(required, org, member, moderator):
    case = submitted(org, member, required)
    case.submission_round = 2
    case.save()
    ModerationEvent.objects.create(
        case_study=case,
        actor=moderator,
        from_status="submitted",
        to_status="changes_requested",
        comment="Older request.",
    )

    html = review(signed_in(moderator), case)

    assert "Changed since changes were requested" in html
    assert "no comparison can be shown" in html


def test_the_resubmission_diff_is_for_moderators_only(required, org, member, moderator, outsider):
    case = submitted(org, member, required)
    transitions.case_study_request_changes(actor=moderator, case_study=case, comment="More.")
    transitions.case_study_submit(actor=member, case_study=case)

    assert signed_in(outsider).get(reverse("moderation:review", args=[case.uuid])).status_code == (
        404
    )
    assert signed_in(member).get(reverse("moderation:review", args=[case.uuid])).status_code == (
        404
    )


# --- Readable history and audit ---------------------------------------------------------------


def test_tag_correction_reads_as_names_in_the_thread(required, org, member, moderator):
    case = submitted(org, member, required)
    technique = term("disarm-red", "T0086")
    transitions.case_study_retag(
        actor=moderator,
        case_study=case,
        terms={"disarm-red": [technique]},
        comment="The technique is degrading the adversary.",
    )

    for html in (
        review(signed_in(moderator), case),
        signed_in(member).get(reverse("practices:case-detail", args=[case.uuid])).content.decode(),
    ):
        page = html.split('id="history-h"', 1)[1].split("</section>", 1)[0]  # the thread
        assert f"added DISARM T0086 {technique.label}" in page
        assert "removed DISARM T0002" in page
        assert "disarm-red:" not in page


def test_audit_log_names_kinds_fields_and_tags(required, org, member, moderator):
    case = submitted(org, member, required)
    transitions.case_study_retag(
        actor=moderator, case_study=case, terms={"disarm-red": [term("disarm-red", "T0086")]}
    )
    transitions.case_study_request_changes(actor=moderator, case_study=case, comment="More.")

    response = signed_in(moderator).get(reverse("practices:audit-log"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Case study" in html
    assert "practices.casestudy" not in html.split("<tbody>", 1)[1]
    assert "added DISARM T0086" in html
    assert "disarm-red:T0086" not in html
    assert "[&#x27;" not in html and "['" not in html  # no Python lists
    assert "Submitted → Changes requested" in html


def test_stored_audit_data_is_unchanged(required, org, member, moderator):
    case = submitted(org, member, required)
    transitions.case_study_retag(
        actor=moderator, case_study=case, terms={"disarm-red": [term("disarm-red", "T0086")]}
    )

    event = AuditEvent.objects.filter(object_type="practices.casestudy", action="update").get()

    assert event.changes["terms"][1] == sorted(
        ["country:EE", "disarm-red:T0086", "region:euro-atlantic"]
    )


def test_readable_formatter(vocabularies, db, org):
    event = AuditEvent(
        object_type="practices.casestudy",
        changes={
            "terms": [["disarm-red:T0002", "country:JP"], ["disarm-red:T0086", "country:JP"]],
            "tlp": ["amber", "green"],
            "title": [None, "A title"],
            "recipients": [["Estonian Office"], []],
        },
    )
    (readable,) = audit_events_readable([event], describe_refs=term_refs_describe)
    rows = {change.field: change.text for change in readable.readable_changes}

    assert readable.object_label == "case study"
    technique = term("disarm-red", "T0086").label
    assert rows["Tags"] == f"added DISARM T0086 {technique}; removed DISARM T0002 " + (
        term("disarm-red", "T0002").label
    )
    assert rows["TLP"] == "TLP:AMBER → TLP:GREEN" or rows["TLP"].endswith("GREEN")
    assert rows["Title"] == "A title"
    assert rows["Recipients"] == "removed Estonian Office"
    assert object_type_label("accounts.apitoken") == "API token"
    assert object_type_label("nothing.here") == "nothing.here"


def test_references_of_terms_that_no_longer_exist_still_read(vocabularies, db):
    names = term_refs_describe(["keyword:old-name", "country:JP", "not a ref"])

    assert names["keyword:old-name"] == "keyword old-name"
    assert names["country:JP"] == "country Japan"
    assert "not a ref" not in names


def test_audit_log_page_makes_a_constant_number_of_queries(required, org, member, moderator):
    client = signed_in(moderator)
    first = submitted(org, member, required)
    transitions.case_study_retag(
        actor=moderator, case_study=first, terms={"disarm-red": [term("disarm-red", "T0086")]}
    )
    client.get(reverse("practices:audit-log"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("practices:audit-log"))
    for code in ("T0002", "T0086", "T0085"):
        case = submitted(org, member, required)
        transitions.case_study_retag(
            actor=moderator, case_study=case, terms={"disarm-red": [term("disarm-red", code)]}
        )
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("practices:audit-log"))

    assert len(after) == len(before)


def test_operator_admin_shows_audit_entries_readably(required, org, member, moderator):
    case = submitted(org, member, required)
    transitions.case_study_retag(
        actor=moderator, case_study=case, terms={"disarm-red": [term("disarm-red", "T0086")]}
    )
    event = AuditEvent.objects.get(object_type="practices.casestudy", action="update")
    operator = User.objects.create_superuser(email="ops@example.test", password="x-y-z-12345")
    client = signed_in(operator)

    listing = client.get(reverse("admin:practices_auditevent_changelist")).content.decode()
    detail = client.get(
        reverse("admin:practices_auditevent_change", args=[event.pk])
    ).content.decode()

    assert "Case study" in listing
    assert "added DISARM T0086" in detail
    assert "removed DISARM T0002" in detail
