"""The moderation workflow: the transition table, the pages, claims, the queue, four-eyes.

The table of who may do what from which status is written out here from DESIGN, apart from
``practices.moderation.transitions.TRANSITIONS``, and every action × status × actor is tried:
allowed moves change the case and are recorded; every other one is refused with nothing changed.
"""

from __future__ import annotations

import datetime
import io
import itertools

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from practices.cases import revisions as revision_drafts
from practices.exceptions import IncompleteCase, TransitionRefused
from practices.models import (
    Approval,
    AuditEvent,
    CaseRevision,
    CaseStudy,
    ModerationEvent,
    Taxonomy,
    Term,
)
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

STATUSES = [s.value for s in CaseStudy.Status]
ACTIONS = ["submit", "request_changes", "publish", "reject", "withdraw"]
ACTORS = ["member", "org_admin", "moderator", "own_moderator", "outsider"]

# DESIGN's table, written out independently of TRANSITIONS: (from statuses, actors).
# "own_moderator" is a moderator of the originating organisation: for submitting they are one
# of the originators, for reviewing they are barred (four-eyes across organisations), and
# withdrawing is open to any moderator.
DESIGN = {
    "submit": ({"draft", "changes_requested"}, {"member", "org_admin", "own_moderator"}),
    "request_changes": ({"submitted"}, {"moderator"}),
    "publish": ({"submitted"}, {"moderator"}),
    "reject": ({"submitted"}, {"moderator"}),
    "withdraw": ({"published"}, {"org_admin", "moderator", "own_moderator"}),
}
TARGET = {
    "submit": "submitted",
    "request_changes": "changes_requested",
    "publish": "published",
    "reject": "rejected",
    "withdraw": "withdrawn",
}
# Publishing takes an optional comment; the others that take one require it.
COMMENT = {
    "submit": "",
    "request_changes": "Please name the platforms.",
    "publish": "",
    "reject": "Out of scope for the exchange.",
    "withdraw": "Superseded by a newer case.",
}

COMBINATIONS = list(itertools.product(ACTIONS, STATUSES, ACTORS))
ALLOWED = [c for c in COMBINATIONS if c[1] in DESIGN[c[0]][0] and c[2] in DESIGN[c[0]][1]]
FORBIDDEN = [c for c in COMBINATIONS if c not in ALLOWED]
NEEDS_COMMENT = {"request_changes", "reject", "withdraw"}
WITHOUT_A_COMMENT = [
    ("request_changes", "submitted", "moderator"),
    ("reject", "submitted", "moderator"),
    ("withdraw", "published", "moderator"),
    ("withdraw", "published", "org_admin"),
]


def _ids(combinations) -> list[str]:
    return ["-".join(combination) for combination in combinations]


@pytest.fixture(scope="module")
def vocabularies(django_db_setup, django_db_blocker) -> list[int]:
    """The real vocabularies, loaded once for this module (a load takes ~0.4 s and the matrix
    has 150 cases); every test still runs in its own rolled-back transaction on top.

    Yields the ids of what a complete case must be tagged with: a DISARM technique, a country
    and a region.
    """
    with django_db_blocker.unblock():
        call_command("load_vocabularies", stdout=io.StringIO())
        required = [
            Term.objects.get(taxonomy__slug=slug, code=code).pk
            for slug, code in [
                ("disarm-red", "T0002"),
                ("country", "EE"),
                ("region", "euro-atlantic"),
            ]
        ]
    yield required
    with django_db_blocker.unblock():
        Term.objects.update(parent=None)
        Term.objects.all().delete()
        Taxonomy.objects.all().delete()


@pytest.fixture
def terms(vocabularies, db) -> list[int]:
    return vocabularies


@pytest.fixture
def own_moderator(org):
    return UserFactory(organisation=org, is_moderator=True, email="moderator@org.test")


@pytest.fixture
def second_moderator(moderator):
    return UserFactory(
        organisation=moderator.organisation,
        is_moderator=True,
        full_name="Bruno Second",
        email="second@hub.test",
    )


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, int]]:
    """The mail the services store in the outbox, as (whom for, event id), instead of it."""
    log: list[tuple[str, int]] = []

    def record(event):
        whom = "moderators_notify" if event.to_status == "submitted" else "originator_notify"
        log.append((whom, event.pk))
        return 0

    monkeypatch.setattr(moderation.notifications, "event_notify", record)
    return log


def make_case(
    status: str, *, organisation, created_by, terms: list[int], tlp: str = "green", **extra
):
    """A complete case (nothing missing for submit) in the given status."""
    now = timezone.now()
    stamps: dict = {}
    if status != "draft":
        stamps.update(submission_round=1, submitted_at=now - datetime.timedelta(hours=3))
    if status in ("published", "withdrawn"):
        stamps["published_at"] = now - datetime.timedelta(hours=2)
    if status == "withdrawn":
        stamps["withdrawn_at"] = now - datetime.timedelta(hours=1)
    return CaseStudyFactory(
        organisation=organisation,
        created_by=created_by,
        status=status,
        tlp=tlp,
        summary="A fictional incident for tests.",
        incident="Forged letters about troop movements.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked the letters with the ministry.",
        outcome="The story stopped spreading.",
        lessons="Speed matters more than polish.",
        terms=terms,
        **{**stamps, **extra},
    )


def perform(action: str, actor: User, case: CaseStudy, comment: str):
    if action == "submit":
        return moderation.case_study_submit(actor=actor, case_study=case)
    service = {
        "request_changes": moderation.case_study_request_changes,
        "publish": moderation.case_study_approve,
        "reject": moderation.case_study_reject,
        "withdraw": moderation.case_study_withdraw,
    }[action]
    return service(actor=actor, case_study=case, comment=comment)


def snapshot(case: CaseStudy) -> dict:
    case.refresh_from_db()
    return {
        "status": case.status,
        "version": case.version,
        "submission_round": case.submission_round,
        "events": ModerationEvent.objects.filter(case_study=case).count(),
        "audit": AuditEvent.objects.filter(case_study_uuid=case.uuid).count(),
        "approvals": Approval.objects.filter(case_study=case).count(),
    }


def said(response) -> str:
    """The messages a response left for the next page."""
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def signed_in(user: User, *, two_factor: bool = True) -> Client:
    if two_factor and user.needs_two_factor:
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_transition_table_matches_the_design():
    """The product's table, compared as a whole: a readable diff when it drifts."""
    assert set(moderation.TRANSITIONS) == set(ACTIONS)
    for action in ACTIONS:
        transition = moderation.TRANSITIONS[action]
        assert set(transition.sources) == DESIGN[action][0], action
        assert transition.target == TARGET[action], action
        assert transition.needs_comment == (action in NEEDS_COMMENT), action


# --- The transition table ---------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status", "actor_name"), ALLOWED, ids=_ids(ALLOWED))
def test_allowed_transition_moves_the_case_and_records_it(
    request,
    terms,
    org,
    member,
    enqueued,
    django_capture_on_commit_callbacks,
    action,
    status,
    actor_name,
):
    actor = request.getfixturevalue(actor_name)
    case = make_case(status, organisation=org, created_by=member, terms=terms)
    before = snapshot(case)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = perform(action, actor, case, COMMENT[action])

    after = snapshot(case)
    assert after["status"] == TARGET[action]
    assert after["version"] == before["version"] + 1
    assert after["events"] == before["events"] + 1
    event = ModerationEvent.objects.filter(case_study=case).latest("id")
    assert (event.kind, event.from_status, event.to_status) == (
        "transition",
        status,
        after["status"],
    )
    assert event.actor == actor
    assert event.comment == COMMENT[action]
    audit = AuditEvent.objects.filter(case_study_uuid=case.uuid).latest("id")
    assert audit.action == "status"
    assert audit.changes == {"status": [status, TARGET[action]]}
    assert audit.actor == actor
    # Mail is stored once, in the transaction, for the right people.
    assert callbacks == []  # nothing else waits for the commit
    task = "moderators_notify" if action == "submit" else "originator_notify"
    assert enqueued == [(task, event.pk)]
    if action == "submit":
        assert after["submission_round"] == before["submission_round"] + 1
        assert case.submitted_at > timezone.now() - datetime.timedelta(minutes=1)
    if action == "publish":
        assert result is True
        assert after["approvals"] == 1
        assert case.published_at is not None
    if action == "withdraw":
        assert case.withdrawn_at > timezone.now() - datetime.timedelta(minutes=1)


@pytest.mark.parametrize(("action", "status", "actor_name"), FORBIDDEN, ids=_ids(FORBIDDEN))
def test_forbidden_transition_is_refused_and_changes_nothing(
    request,
    terms,
    org,
    member,
    enqueued,
    django_capture_on_commit_callbacks,
    action,
    status,
    actor_name,
):
    actor = request.getfixturevalue(actor_name)
    case = make_case(status, organisation=org, created_by=member, terms=terms)
    before = snapshot(case)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionRefused),
    ):
        perform(action, actor, case, COMMENT[action] or "A comment, for good measure.")

    assert snapshot(case) == before
    assert callbacks == []
    assert enqueued == []


@pytest.mark.parametrize(
    ("action", "status", "actor_name"),
    WITHOUT_A_COMMENT,
    ids=_ids(WITHOUT_A_COMMENT),
)
@pytest.mark.parametrize("comment", ["", "  \n\t "], ids=["empty", "blank"])
def test_action_that_needs_a_reason_is_refused_without_a_comment(
    request, terms, org, member, enqueued, action, status, actor_name, comment
):
    actor = request.getfixturevalue(actor_name)
    case = make_case(status, organisation=org, created_by=member, terms=terms)
    before = snapshot(case)

    with pytest.raises(TransitionRefused, match="comment is required"):
        perform(action, actor, case, comment)

    assert snapshot(case) == before
    assert enqueued == []


def test_an_incomplete_draft_is_not_submitted(org, member, enqueued):
    case = CaseStudyFactory(organisation=org, created_by=member, status="draft")
    before = snapshot(case)

    with pytest.raises(IncompleteCase) as refused:
        moderation.case_study_submit(actor=member, case_study=case)

    assert "a description of what was spread (Incident)" in refused.value.missing
    assert snapshot(case) == before
    assert enqueued == []


def test_a_transition_releases_the_claim(terms, org, member, moderator, enqueued):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    moderation.case_study_claim(actor=moderator, case_study=case)

    moderation.case_study_request_changes(actor=moderator, case_study=case, comment="Dates?")

    case.refresh_from_db()
    assert case.claimed_by is None
    assert case.claimed_at is None


def test_refusal_explains_what_happened_meanwhile(
    terms, org, member, moderator, second_moderator, enqueued
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    moderation.case_study_reject(actor=second_moderator, case_study=case, comment="Duplicate.")

    with pytest.raises(TransitionRefused) as refused:
        moderation.case_study_approve(actor=moderator, case_study=case)

    assert "This case is rejected now, so it cannot be published." in str(refused.value)
    assert "Bruno Second made it rejected" in str(refused.value)


# --- Through the pages ------------------------------------------------------------------------


def test_review_page_offers_no_action_to_a_moderator_of_the_same_organisation(
    terms, org, member, moderator, own_moderator
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    url = reverse("moderation:review", args=[case.uuid])
    act_urls = [
        reverse("practices:case-act", args=[case.uuid, action])
        for action in ("publish", "request_changes", "reject")
    ]

    own_page = signed_in(own_moderator).get(url).content.decode()
    other_page = signed_in(moderator).get(url).content.decode()

    assert "This case comes from your own organisation" in own_page
    assert not any(act_url in own_page for act_url in act_urls)
    assert reverse("moderation:claim", args=[case.uuid]) not in own_page
    # The same page does offer them to a moderator of another organisation.
    assert all(act_url in other_page for act_url in act_urls)


@pytest.mark.parametrize("action", ["publish", "request_changes", "reject"])
def test_moderator_of_the_same_organisation_posting_an_action_is_refused(
    terms, org, member, own_moderator, enqueued, action
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    before = snapshot(case)

    response = signed_in(own_moderator).post(
        reverse("practices:case-act", args=[case.uuid, action]),
        {"comment": "Looks fine to me."},
    )

    assert response["Location"] == reverse("practices:case-detail", args=[case.uuid])
    assert "You cannot moderate a case from your own organisation" in said(response)
    assert snapshot(case) == before
    assert enqueued == []


def test_moderator_acting_through_the_page_publishes(terms, org, member, moderator, enqueued):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)

    response = signed_in(moderator).post(
        reverse("practices:case-act", args=[case.uuid, "publish"]), {"comment": ""}
    )

    assert response["Location"] == reverse("moderation:review", args=[case.uuid])
    assert said(response) == "Published."
    case.refresh_from_db()
    assert case.status == "published"
    assert AuditEvent.objects.get(action="status", case_study_uuid=case.uuid).channel == "web"


def test_moderator_without_two_factor_is_sent_to_enrolment(terms, org, member, moderator, enqueued):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    before = snapshot(case)
    client = signed_in(moderator, two_factor=False)
    enrolment = reverse("mfa_activate_totp")

    for response in [
        client.get(reverse("moderation:queue")),
        client.get(reverse("moderation:review", args=[case.uuid])),
        client.post(reverse("practices:case-act", args=[case.uuid, "publish"])),
        client.post(reverse("practices:case-act", args=[case.uuid, "reject"]), {"comment": "No."}),
        client.post(reverse("moderation:claim", args=[case.uuid])),
    ]:
        assert response.status_code == 302
        assert response["Location"] == enrolment

    assert snapshot(case) == before
    assert enqueued == []


def test_people_who_are_not_moderators_get_404_for_moderation_pages(
    terms, org, member, org_admin, outsider
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)

    for person in (member, org_admin, outsider):
        client = signed_in(person)
        assert client.get(reverse("moderation:queue")).status_code == 404
        assert client.get(reverse("moderation:review", args=[case.uuid])).status_code == 404


# --- Claims -------------------------------------------------------------------------------------


def test_claim_by_another_moderator_is_reported_with_their_name(
    terms, org, member, moderator, second_moderator
):
    moderator.full_name = "Anna First"
    moderator.save()
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    first, second = signed_in(moderator), signed_in(second_moderator)
    claim_url = reverse("moderation:claim", args=[case.uuid])

    first.post(claim_url)
    response = second.post(claim_url)

    assert "Anna First claimed this" in said(response)
    queue = second.get(reverse("moderation:queue")).content.decode()
    assert "<td>Anna First</td>" in queue  # the "held by" column
    case.refresh_from_db()
    assert case.claimed_by == moderator
    with pytest.raises(TransitionRefused, match="Anna First claimed this"):
        moderation.case_study_claim(actor=second_moderator, case_study=case)


def test_a_moderator_may_release_a_colleagues_claim_and_it_is_recorded(
    terms, org, member, moderator, second_moderator
):
    moderator.full_name = "Anna First"
    moderator.save()
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    moderation.case_study_claim(actor=moderator, case_study=case)

    signed_in(second_moderator).post(reverse("moderation:unclaim", args=[case.uuid]))

    case.refresh_from_db()
    assert case.claimed_by is None
    event = ModerationEvent.objects.get(case_study=case, kind="claim")
    assert event.actor == second_moderator
    assert event.comment == "Released the claim held by Anna First."
    # Now the colleague may take it.
    moderation.case_study_claim(actor=second_moderator, case_study=case)
    case.refresh_from_db()
    assert case.claimed_by == second_moderator


@pytest.mark.parametrize("status", ["draft", "changes_requested", "published", "rejected"])
def test_nothing_to_claim_unless_something_waits_for_review(terms, org, member, moderator, status):
    case = make_case(status, organisation=org, created_by=member, terms=terms)

    with pytest.raises(TransitionRefused, match="Nothing about this case is waiting"):
        moderation.case_study_claim(actor=moderator, case_study=case)

    case.refresh_from_db()
    assert case.claimed_by is None


def test_a_moderator_cannot_claim_a_case_of_their_own_organisation(
    terms, org, member, own_moderator
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)

    with pytest.raises(TransitionRefused, match="own organisation"):
        moderation.case_study_claim(actor=own_moderator, case_study=case)

    case.refresh_from_db()
    assert case.claimed_by is None


# --- The queue ----------------------------------------------------------------------------------


def _waiting_revision(case: CaseStudy, author: User, submitted_at) -> CaseRevision:
    revision = revision_drafts.revision_start(actor=author, case_study=case)
    revision = revision_drafts.revision_update(
        actor=author,
        revision=revision,
        expected_version=revision.version,
        fields={"summary": "A better summary."},
    )
    revisions.revision_submit(actor=author, revision=revision)
    CaseRevision.objects.filter(pk=revision.pk).update(submitted_at=submitted_at)
    return revision


def _titles_in_order(page: str, titles: list[str]) -> list[str]:
    found = [(page.find(f">{title}</a>"), title) for title in titles]
    return [title for position, title in sorted(found) if position >= 0]


def test_queue_lists_what_waits_oldest_first_with_its_age(
    terms, org, other_org, member, outsider, moderator
):
    now = timezone.now()
    for title, hours in [("Three days", 72), ("Two hours", 2), ("Five days", 120)]:
        make_case(
            "submitted",
            organisation=org,
            created_by=member,
            terms=terms,
            title=title,
            submitted_at=now - datetime.timedelta(hours=hours),
        )
    published = make_case(
        "published", organisation=other_org, created_by=outsider, terms=terms, title="Revised"
    )
    _waiting_revision(published, outsider, now - datetime.timedelta(hours=96))
    for status in ("draft", "changes_requested", "published", "rejected", "withdrawn"):
        make_case(status, organisation=org, created_by=member, terms=terms, title=f"Not {status}")

    page = signed_in(moderator).get(reverse("moderation:queue")).content.decode()

    titles = ["Five days", "Revised", "Three days", "Two hours"]
    assert _titles_in_order(page, titles) == titles
    assert "4 items waiting, oldest first." in page
    assert "Not " not in page
    for age in ("5\xa0days", "4\xa0days", "3\xa0days", "2\xa0hours"):
        assert age in page
    assert "Revision of a published case" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, {"EE green", "EE amber claimed", "JP green"}, id="no-filter"),
        pytest.param({"tlp": "amber"}, {"EE amber claimed"}, id="tlp-amber"),
        pytest.param({"tlp": "green"}, {"EE green", "JP green"}, id="tlp-green"),
        pytest.param({"organisation": "jp"}, {"JP green"}, id="organisation"),
        pytest.param({"claimed": "claimed"}, {"EE amber claimed"}, id="claimed"),
        pytest.param({"claimed": "unclaimed"}, {"EE green", "JP green"}, id="unclaimed"),
        pytest.param(
            {"tlp": "green", "organisation": "ee", "claimed": "unclaimed"},
            {"EE green"},
            id="combined",
        ),
    ],
)
def test_queue_filters_by_tlp_organisation_and_claim(
    terms, org, other_org, member, outsider, moderator, second_moderator, query, expected
):
    org.slug, other_org.slug = "ee", "jp"
    org.save()
    other_org.save()
    make_case("submitted", organisation=org, created_by=member, terms=terms, title="EE green")
    claimed = make_case(
        "submitted",
        organisation=org,
        created_by=member,
        terms=terms,
        title="EE amber claimed",
        tlp="amber",
        recipients=[other_org],
    )
    moderation.case_study_claim(actor=second_moderator, case_study=claimed)
    make_case(
        "submitted", organisation=other_org, created_by=outsider, terms=terms, title="JP green"
    )

    page = signed_in(moderator).get(reverse("moderation:queue"), query).content.decode()

    shown = {t for t in ("EE green", "EE amber claimed", "JP green") if f">{t}</a>" in page}
    assert shown == expected


def test_queue_query_count_does_not_grow_with_the_number_of_items(
    terms, org, other_org, member, outsider, moderator, second_moderator
):
    client = signed_in(moderator)
    third = OrganisationFactory(name="Canadian Test Office", country="CA")
    third_member = UserFactory(organisation=third)

    def add(n: int) -> None:
        for i in range(n):
            organisation, author = [(org, member), (other_org, outsider), (third, third_member)][
                i % 3
            ]
            case = make_case(
                "published" if i % 4 == 0 else "submitted",
                organisation=organisation,
                created_by=author,
                terms=terms,
            )
            if i % 4 == 0:
                _waiting_revision(case, author, timezone.now())
            if i % 2:
                moderation.case_study_claim(actor=second_moderator, case_study=case)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("moderation:queue"))
        assert response.status_code == 200
        return len(queries), response.content.decode().count("<tr>") - 1

    add(5)
    few, shown_few = count()
    add(25)
    many, shown_many = count()

    assert (shown_few, shown_many) == (5, 30)
    assert many == few


# --- Four-eyes ----------------------------------------------------------------------------------


def test_four_eyes_needs_two_different_moderators(
    settings, terms, org, member, moderator, second_moderator, enqueued
):
    settings.MODERATION_APPROVALS = {"green": 2}
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)

    assert moderation.case_study_approve(actor=moderator, case_study=case) is False

    case.refresh_from_db()
    assert case.status == "submitted"
    approval = ModerationEvent.objects.get(case_study=case, kind="approval")
    assert approval.actor == moderator
    assert approval.details == {"given": 1, "needed": 2}
    assert enqueued == []

    before = snapshot(case)
    with pytest.raises(TransitionRefused, match="already approved"):
        moderation.case_study_approve(actor=moderator, case_study=case)
    assert snapshot(case) == before

    assert moderation.case_study_approve(actor=second_moderator, case_study=case) is True

    case.refresh_from_db()
    assert case.status == "published"
    assert Approval.objects.filter(case_study=case).count() == 2
    published = ModerationEvent.objects.get(case_study=case, kind="transition")
    assert published.actor == second_moderator


def test_four_eyes_count_is_per_tlp(settings, terms, org, other_org, member, moderator, enqueued):
    settings.MODERATION_APPROVALS = {"amber": 2}
    green = make_case("submitted", organisation=org, created_by=member, terms=terms)
    amber = make_case(
        "submitted",
        organisation=org,
        created_by=member,
        terms=terms,
        tlp="amber",
        recipients=[other_org],
    )

    assert moderation.case_study_approve(actor=moderator, case_study=green) is True
    assert moderation.case_study_approve(actor=moderator, case_study=amber) is False


def test_resubmitted_case_needs_fresh_approvals(
    settings, terms, org, member, moderator, second_moderator, enqueued
):
    settings.MODERATION_APPROVALS = {"green": 2}
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    moderation.case_study_approve(actor=moderator, case_study=case)
    moderation.case_study_request_changes(
        actor=second_moderator, case_study=case, comment="Add the dates."
    )
    moderation.case_study_submit(actor=member, case_study=case)

    # The first round's approval does not count: this is a first approval again.
    assert moderation.case_study_approve(actor=second_moderator, case_study=case) is False
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.submission_round == 2

    assert moderation.case_study_approve(actor=moderator, case_study=case) is True
    case.refresh_from_db()
    assert case.status == "published"
    assert Approval.objects.filter(case_study=case, round=2).count() == 2


def test_review_page_shows_the_approvals_so_far(
    settings, terms, org, member, moderator, second_moderator
):
    settings.MODERATION_APPROVALS = {"green": 2}
    moderator.full_name = "Anna First"
    moderator.save()
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)

    client = signed_in(moderator)
    response = client.post(reverse("practices:case-act", args=[case.uuid, "publish"]))

    assert said(response) == (
        "Approval recorded. Another moderator must approve before it is published."
    )
    page = client.get(response["Location"]).content.decode()
    assert "Approvals: 1 of 2 (Anna First)" in page


# --- History and comments -----------------------------------------------------------------------


def test_history_and_comments_show_to_the_organisation_and_on_the_review_page(
    terms, org, member, moderator, enqueued
):
    member.full_name = "Mari Member"
    member.save()
    moderator.full_name = "Anna First"
    moderator.save()
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    org_client, mod_client = signed_in(member), signed_in(moderator)
    comment_url = reverse("practices:case-comment", args=[case.uuid])

    org_client.post(comment_url, {"body": "We can add the platform data next week."})
    mod_client.post(comment_url, {"body": "Is the attribution public?"})
    mod_client.post(
        reverse("practices:case-act", args=[case.uuid, "request_changes"]),
        {"comment": "Say who attributed it."},
    )

    for page in (
        org_client.get(reverse("practices:case-detail", args=[case.uuid])).content.decode(),
        mod_client.get(reverse("moderation:review", args=[case.uuid])).content.decode(),
    ):
        assert "We can add the platform data next week." in page
        assert "Is the attribution public?" in page
        assert "Say who attributed it." in page
        assert "Submitted → Changes requested" in page
        assert "<strong>Mari Member</strong>" in page
        assert "<strong>Anna First</strong>" in page
    kinds = list(ModerationEvent.objects.filter(case_study=case).values_list("kind", "actor_id"))
    assert kinds == [
        ("comment", member.pk),
        ("comment", moderator.pk),
        ("transition", moderator.pk),
    ]


def test_an_outsider_gets_404_for_the_case_and_cannot_comment(
    terms, org, member, moderator, outsider
):
    case = make_case("submitted", organisation=org, created_by=member, terms=terms)
    moderation.case_study_comment(actor=moderator, case_study=case, body="Internal remark.")
    client = signed_in(outsider)

    assert client.get(reverse("practices:case-detail", args=[case.uuid])).status_code == 404
    assert client.get(reverse("moderation:review", args=[case.uuid])).status_code == 404
    response = client.post(
        reverse("practices:case-comment", args=[case.uuid]), {"body": "Let me in."}
    )
    assert response.status_code == 404
    assert ModerationEvent.objects.filter(case_study=case, kind="comment").count() == 1


def test_outsiders_reading_a_published_case_do_not_see_its_history(
    terms, org, member, moderator, outsider
):
    case = make_case("published", organisation=org, created_by=member, terms=terms)
    moderation.case_study_comment(actor=moderator, case_study=case, body="Internal remark.")

    page = signed_in(outsider).get(reverse("practices:case-detail", args=[case.uuid]))

    assert page.status_code == 200
    assert "Internal remark." not in page.content.decode()
    assert "History and comments" not in page.content.decode()


# --- Withdrawal ---------------------------------------------------------------------------------


def test_withdrawn_case_is_hidden_from_other_organisations_but_not_its_own(
    terms, org, member, org_admin, outsider, enqueued
):
    case = make_case("published", organisation=org, created_by=member, terms=terms)
    detail = reverse("practices:case-detail", args=[case.uuid])
    assert signed_in(outsider).get(detail).status_code == 200

    response = signed_in(org_admin).post(
        reverse("practices:case-act", args=[case.uuid, "withdraw"]),
        {"comment": "Superseded."},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn"
    assert signed_in(outsider).get(detail).status_code == 404
    assert (
        case.title not in signed_in(outsider).get(reverse("practices:case-list")).content.decode()
    )
    own = signed_in(member).get(detail)
    assert own.status_code == 200
    assert "only your organisation and the moderators can see it" in own.content.decode()
