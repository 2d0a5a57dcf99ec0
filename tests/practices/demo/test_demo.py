"""The demo case studies: loading twice changes nothing, every case is marked and fictional, every
status is there with the moderation trail that leads to it, and restricted cases have readers."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from itertools import pairwise
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from accounts.models import Organisation
from practices.cases.services import case_study_missing, keywords_to_terms
from practices.demo.case_file import CASES, COMMENTED_STEPS, MODERATOR_STEPS
from practices.models import Approval, CaseStudy, ModerationEvent, Reference, Term
from practices.moderation.selectors import resubmission_diff

pytestmark = pytest.mark.django_db

Status = CaseStudy.Status


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return seed()


def snapshot() -> tuple:
    """Everything the seed writes, so that two loads can be compared."""
    return (
        sorted(CaseStudy.objects.values_list("uuid", "version", "status", "updated_at")),
        sorted(CaseStudy.terms.through.objects.values_list("casestudy_id", "term_id")),
        sorted(CaseStudy.recipients.through.objects.values_list("casestudy_id", "organisation_id")),
        sorted(Reference.objects.values_list("id", "url")),
        sorted(ModerationEvent.objects.values_list("id", "to_status", "created_at")),
        sorted(Approval.objects.values_list("id", "round")),
    )


def test_loading_again_duplicates_and_changes_nothing(seeded):
    before = snapshot()
    count = CaseStudy.objects.count()

    seed()

    assert CaseStudy.objects.count() == count >= 30
    # Not even a new version or new rows for the same trail: nothing differed, nothing written.
    assert snapshot() == before


def test_loading_again_leaves_cases_people_have_changed_alone(seeded):
    """make run seeds at every start; it must not undo what people did with demo cases."""
    case = CaseStudy.objects.get(uuid=CASES[0].uuid)
    CaseStudy.objects.filter(pk=case.pk).update(summary="Edited in the demo.")
    case.references.all().delete()

    seed()

    assert CaseStudy.objects.get(pk=case.pk).summary == "Edited in the demo."
    assert not case.references.exists()


def test_a_deleted_demo_case_comes_back(seeded):
    CaseStudy.objects.get(uuid=CASES[0].uuid).delete()

    seed()

    case = CaseStudy.objects.get(uuid=CASES[0].uuid)
    assert [e.to_status for e in case.events.all()] == list(CASES[0].steps)
    assert case.references.count() == len(CASES[0].references)


def test_keywords_are_the_terms_people_get_by_typing_them(seeded):
    labels = sorted({label for spec in CASES for label in spec.keywords})
    keywords = Term.objects.filter(taxonomy__slug="keyword")
    count = keywords.count()

    typed = keywords_to_terms(", ".join(labels))

    assert keywords.count() == count  # found, not made again
    assert {term.label for term in typed} == set(labels)
    assert all(term.case_studies.exists() for term in typed)


def test_the_command_reports_counts_but_no_case_content(seeded):
    assert "32 case studies" in seeded
    for spec in CASES:
        assert spec.title not in seeded


def test_every_case_is_marked_as_demo_and_from_a_demo_organisation(seeded):
    cases = CaseStudy.objects.select_related("organisation", "created_by")
    assert cases.count() == len(CASES) == len({spec.title for spec in CASES})
    for case in cases:
        assert case.title.endswith(" (demo)")
        assert case.organisation.is_demo
        # Written by a member of the organisation it comes from.
        assert case.created_by.organisation_id == case.organisation_id


def test_every_demo_organisation_has_cases(seeded):
    by_organisation = Counter(CaseStudy.objects.values_list("organisation__slug", flat=True))
    non_hub = set(Organisation.objects.exclude(partner_group="hub").values_list("slug", flat=True))
    assert non_hub <= set(by_organisation)
    assert by_organisation["demo-hub"] >= 2


def test_statuses_tlps_and_attribution_are_spread(seeded):
    statuses = Counter(CaseStudy.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.PUBLISHED] >= 18
    tlps = set(CaseStudy.objects.values_list("tlp", flat=True))
    assert tlps == {"clear", "green", "amber", "amber_strict"}
    assert not CaseStudy.objects.filter(tlp=CaseStudy.TLP.RED).exists()
    anonymised = CaseStudy.objects.filter(attribution_mode=CaseStudy.AttributionMode.ANONYMISED)
    assert 4 <= anonymised.count() <= 8


def test_restricted_cases_name_one_to_three_other_organisations(seeded):
    restricted = CaseStudy.objects.filter(tlp__in=CaseStudy.RESTRICTED_TLPS)
    assert restricted.exists()
    for case in restricted:
        recipients = list(case.recipients.all())
        assert 1 <= len(recipients) <= 3, case.title
        assert case.organisation not in recipients
    assert not CaseStudy.objects.exclude(tlp__in=CaseStudy.RESTRICTED_TLPS).filter(
        recipients__isnull=False
    )


def test_published_cases_have_technique_country_and_region(seeded):
    for case in CaseStudy.objects.filter(status=Status.PUBLISHED):
        slugs = set(case.terms.values_list("taxonomy__slug", flat=True))
        assert {"disarm-red", "country", "region", "threat-actor"} <= slugs, case.title
        assert 1 <= case.terms.filter(taxonomy__slug="disarm-red").count() <= 4
        assert case.terms.filter(taxonomy__slug="disarm-blue").count() <= 2


def test_cases_past_draft_are_complete(seeded):
    """Anything that reached moderators would have passed case_study_submit's check."""
    for case in CaseStudy.objects.exclude(status=Status.DRAFT):
        assert case_study_missing(case) == [], case.title
        assert case.incident_start.year >= 2022
        assert case.response_end is None or case.response_end.year <= 2026


def test_references_point_only_at_example_domains(seeded):
    for case in CaseStudy.objects.exclude(status=Status.DRAFT):
        assert 1 <= case.references.count() <= 2, case.title
    hosts = {urlsplit(url).hostname for url in Reference.objects.values_list("url", flat=True)}
    assert hosts <= {"example.org", "example.com"}


@pytest.mark.parametrize("status", Status.values)
def test_each_status_has_the_trail_that_leads_to_it(seeded, status):
    cases = CaseStudy.objects.filter(status=status).select_related("created_by")
    assert cases.exists()
    for case in cases:
        events = list(case.events.select_related("actor"))
        assert events[0].from_status == "" and events[0].to_status == Status.DRAFT
        assert events[-1].to_status == status, case.title
        for previous, event in pairwise(events):
            assert event.from_status == previous.to_status
            assert event.created_at > previous.created_at
        for event in events:
            if event.to_status in MODERATOR_STEPS:
                # Four-eyes: never a moderator of the case's own organisation.
                assert event.actor.is_moderator
                assert event.actor.organisation_id != case.organisation_id
            elif event.to_status == Status.WITHDRAWN:
                assert event.actor.organisation_id == case.organisation_id
                assert event.actor.is_org_admin
            else:
                assert event.actor == case.created_by
            assert bool(event.comment) == (event.to_status in COMMENTED_STEPS)
        assert case.created_at == events[0].created_at
        assert case.updated_at == events[-1].created_at
        submitted = [e.created_at for e in events if e.to_status == Status.SUBMITTED]
        published = [e.created_at for e in events if e.to_status == Status.PUBLISHED]
        withdrawn = [e.created_at for e in events if e.to_status == Status.WITHDRAWN]
        assert case.submitted_at == (submitted[-1] if submitted else None)
        assert case.submission_round == len(submitted)
        assert case.published_at == (published[-1] if published else None)
        assert case.withdrawn_at == (withdrawn[-1] if withdrawn else None)
        # Each publication rests on an approval by the moderator who published, in its round.
        publishers = [e.actor for e in events if e.to_status == Status.PUBLISHED]
        approvals = list(case.approvals.order_by("created_at"))
        assert [a.moderator for a in approvals] == publishers
        if approvals:
            assert approvals[-1].round == case.submission_round


def test_a_resubmitted_case_shows_what_changed_since_changes_were_requested(seeded):
    """The moderators' review of the demo's resubmission has a diff to show."""
    resubmitted = [
        case
        for case in CaseStudy.objects.filter(status=Status.SUBMITTED, submission_round__gt=1)
        if (resubmission_diff(case_study=case) or {}).get("rows")
    ]

    assert resubmitted
    rows = resubmission_diff(case_study=resubmitted[0])["rows"]
    assert {row["label"] for row in rows} == {"What changed", "Evidence"}


def test_the_demo_has_keywords_for_the_moderators_to_merge(seeded):
    labels = set(Term.objects.filter(taxonomy__slug="keyword").values_list("label", flat=True))

    assert {"pre-bunking", "prebunking"} <= labels
