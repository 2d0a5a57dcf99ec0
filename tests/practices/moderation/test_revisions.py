"""Pending revisions: edits to a published case wait for a moderator before anyone sees them."""

from __future__ import annotations

import contextlib
import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from practices.cases import revisions as revision_drafts
from practices.exceptions import StaleEdit, TransitionRefused
from practices.models import (
    AuditEvent,
    CaseRevision,
    CaseStudy,
    ModerationEvent,
    Reference,
    Taxonomy,
    Term,
)
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, UserFactory

PUBLISHED_INCIDENT = "Forged letters claimed that troop movements were planned near the border."
REVISED_INCIDENT = "Forged letters claimed that naval exercises were planned near the coast."


@pytest.fixture(scope="module")
def vocabularies(django_db_setup, django_db_blocker):
    """The real vocabularies, loaded once for this module; tests roll back on top of them."""
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
def published(vocabularies, org, member) -> CaseStudy:
    case = CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="published",
        tlp="green",
        title="Forged letters",
        summary="Letters forged in the minister's name.",
        incident=PUBLISHED_INCIDENT,
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        submission_round=1,
        submitted_at="2025-02-01T10:00:00Z",
        published_at="2025-02-02T10:00:00Z",
        terms=[
            term("disarm-red", "T0002"),
            term("country", "EE"),
            term("region", "euro-atlantic"),
        ],
    )
    Reference.objects.create(case_study=case, url="https://example.org/old", title="Old source")
    return case


@pytest.fixture
def own_moderator(org):
    return UserFactory(organisation=org, is_moderator=True, email="moderator@org.test")


def signed_in(user: User) -> Client:
    if user.needs_two_factor:
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def incident_form(revision: CaseRevision, **changes) -> dict:
    """What the incident page posts for this revision: its current content plus changes."""
    fields = revision.data["fields"]
    chosen = Term.objects.filter(pk__in=revision.data["terms"]).select_related("taxonomy")
    data = {
        "version": revision.version,
        "title": fields["title"],
        "summary": fields["summary"],
        "incident": fields["incident"],
        "attribution_confidence": fields["attribution_confidence"],
        "audiences": fields["audiences"],
        "incident_start": fields["incident_start"] or "",
        "incident_end": fields["incident_end"] or "",
        "keywords": "",
    }
    for t in chosen:
        data.setdefault(f"terms_{t.taxonomy.slug}", []).append(t.pk)
    data.update(changes)
    return data


def said(response) -> str:
    """The messages a response left for the next page."""
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def snapshot(case: CaseStudy) -> dict:
    case.refresh_from_db()
    return {
        "incident": case.incident,
        "version": case.version,
        "status": case.status,
        "terms": sorted(case.terms.values_list("pk", flat=True)),
        "references": list(case.references.values_list("url", flat=True)),
    }


def propose(client: Client, case: CaseStudy) -> CaseRevision:
    """The organisation opens a revision and edits the incident and the references through
    the edit pages; it is not sent yet."""
    response = client.post(reverse("practices:revision-start", args=[case.uuid]))
    assert response["Location"] == reverse("practices:case-edit", args=[case.uuid, "incident"])
    revision = CaseRevision.objects.get(case_study=case)
    edit_url = reverse("practices:case-edit", args=[case.uuid, "incident"])
    countries = [term("country", "EE").pk, term("country", "LV").pk]
    response = client.post(
        edit_url, incident_form(revision, incident=REVISED_INCIDENT, terms_country=countries)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    revision.refresh_from_db()
    response = client.post(
        reverse("practices:case-edit", args=[case.uuid, "references"]),
        {
            "version": revision.version,
            "refs-TOTAL_FORMS": "1",
            "refs-INITIAL_FORMS": "0",
            "refs-MIN_NUM_FORMS": "0",
            "refs-MAX_NUM_FORMS": "50",
            "refs-0-url": "https://example.org/new",
            "refs-0-title": "New source",
            "refs-0-archive_url": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return revision


def proposed(member: User, case: CaseStudy, *, send: bool = True) -> CaseRevision:
    """The same proposal as ``propose``, made through the services (for tests about what
    happens next, not about the edit pages)."""
    revision = revision_drafts.revision_start(actor=member, case_study=case)
    revision = revision_drafts.revision_update(
        actor=member,
        revision=revision,
        expected_version=revision.version,
        fields={"incident": REVISED_INCIDENT},
        terms={"country": [term("country", "EE"), term("country", "LV")]},
        references=[{"url": "https://example.org/new", "title": "New source", "archive_url": ""}],
    )
    if send:
        revisions.revision_submit(actor=member, revision=revision)
    revision.refresh_from_db()
    return revision


def test_editing_a_published_case_leaves_the_published_text_until_approval(
    published, member, outsider
):
    before = snapshot(published)
    client = signed_in(member)

    revision = propose(client, published)
    editing = client.get(reverse("practices:case-edit", args=[published.uuid, "incident"]))
    client.post(reverse("practices:revision-submit", args=[published.uuid]))

    assert "You are editing a revision" in editing.content.decode()
    assert REVISED_INCIDENT in editing.content.decode()
    assert snapshot(published) == before
    revision.refresh_from_db()
    assert revision.status == "pending"
    assert revision.base_version == before["version"]
    assert revision.data["fields"]["incident"] == REVISED_INCIDENT
    public = signed_in(outsider).get(reverse("practices:case-detail", args=[published.uuid]))
    assert PUBLISHED_INCIDENT in public.content.decode()
    assert "naval exercises" not in public.content.decode()


def test_review_page_shows_what_the_revision_changes(published, member, moderator):
    client = signed_in(member)
    propose(client, published)
    client.post(reverse("practices:revision-submit", args=[published.uuid]))

    page = signed_in(moderator).get(reverse("moderation:review", args=[published.uuid]))

    html = page.content.decode()
    assert "Pending revision: what would change" in html
    inserted = " ".join(re.findall(r"<ins>(.*?)</ins>", html))
    deleted = " ".join(re.findall(r"<del>(.*?)</del>", html))
    for words in ("naval", "exercises", "coast."):
        assert words in inserted
    for words in ("troop", "movements", "border."):
        assert words in deleted
    assert "Forged letters claimed that" not in inserted + deleted  # unchanged words stay plain
    assert "<ins>Added: country Latvia</ins>" in html  # tags read as names, not codes
    assert "https://example.org/new" in inserted
    assert "https://example.org/old" in deleted


def test_approving_a_revision_applies_fields_terms_and_references(
    published, member, moderator, outsider
):
    client = signed_in(member)
    revision = propose(client, published)
    client.post(reverse("practices:revision-submit", args=[published.uuid]))
    before = snapshot(published)

    response = signed_in(moderator).post(
        reverse("moderation:revision-decide", args=[published.uuid, "approve"]),
        {"comment": ""},
    )

    assert said(response) == "Revision published."
    after = snapshot(published)
    assert after["incident"] == REVISED_INCIDENT
    assert after["version"] == before["version"] + 1
    assert after["status"] == "published"
    assert term("country", "LV").pk in after["terms"]
    assert set(before["terms"]) < set(after["terms"])
    assert after["references"] == ["https://example.org/new"]
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by) == ("approved", moderator)
    assert ModerationEvent.objects.filter(
        case_study=published, kind="revision", details__status="approved", actor=moderator
    ).exists()
    audit = AuditEvent.objects.filter(action="update", case_study_uuid=published.uuid).latest("id")
    assert audit.changes["incident"] == [PUBLISHED_INCIDENT, REVISED_INCIDENT]
    public = signed_in(outsider).get(reverse("practices:case-detail", args=[published.uuid]))
    assert "naval exercises" in public.content.decode()


def test_rejecting_a_revision_needs_a_reason_and_leaves_the_case_as_it_was(
    published, member, moderator
):
    revision = proposed(member, published)
    before = snapshot(published)
    mod_client = signed_in(moderator)
    reject_url = reverse("moderation:revision-decide", args=[published.uuid, "reject"])

    refused = mod_client.post(reject_url, {"comment": "  "})

    assert "a comment is required" in said(refused)
    revision.refresh_from_db()
    assert revision.status == "pending"

    mod_client.post(reject_url, {"comment": "The exercises were not naval."})

    revision.refresh_from_db()
    assert (revision.status, revision.comment) == ("rejected", "The exercises were not naval.")
    assert snapshot(published) == before
    event = ModerationEvent.objects.get(case_study=published, details__status="rejected")
    assert event.comment == "The exercises were not naval."
    # The organisation may start afresh from the published text.
    again = revision_drafts.revision_start(actor=member, case_study=published)
    assert again.pk != revision.pk
    assert again.data["fields"]["incident"] == PUBLISHED_INCIDENT


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_moderator_of_the_same_organisation_cannot_decide_a_revision(
    published, member, own_moderator, decision
):
    revision = proposed(member, published)
    before = snapshot(published)
    own_client = signed_in(own_moderator)

    page = own_client.get(reverse("moderation:review", args=[published.uuid])).content.decode()
    response = own_client.post(
        reverse("moderation:revision-decide", args=[published.uuid, decision]),
        {"comment": "Fine by me."},
    )

    assert reverse("moderation:revision-decide", args=[published.uuid, decision]) not in page
    assert "own organisation" in said(response)
    revision.refresh_from_db()
    assert revision.status == "pending"
    assert snapshot(published) == before
    with pytest.raises(TransitionRefused, match="own organisation"):
        revisions.revision_approve(actor=own_moderator, revision=revision)


def test_a_stale_revision_save_is_refused(published, member, org):
    colleague = UserFactory(organisation=org, email="colleague@org.test")
    mine, theirs = signed_in(member), signed_in(colleague)
    mine.post(reverse("practices:revision-start", args=[published.uuid]))
    revision = CaseRevision.objects.get(case_study=published)
    url = reverse("practices:case-edit", args=[published.uuid, "incident"])
    opened = incident_form(revision)  # both opened the page at the same version

    first = theirs.post(url, {**opened, "incident": "Their words."})
    second = mine.post(url, {**opened, "incident": "My careful words."})

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone else saved this case" in second.content.decode()
    assert "My careful words." in second.content.decode()
    revision.refresh_from_db()
    assert revision.data["fields"]["incident"] == "Their words."
    assert revision.version == opened["version"] + 1
    assert snapshot(published)["incident"] == PUBLISHED_INCIDENT


def test_a_revision_waiting_for_review_cannot_be_edited(published, member):
    revision = proposed(member, published)

    response = signed_in(member).post(
        reverse("practices:case-edit", args=[published.uuid, "incident"]),
        incident_form(revision, incident="Sneaked in after sending."),
    )

    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.data["fields"]["incident"] == REVISED_INCIDENT
    with pytest.raises(TransitionRefused, match="waits for review"):
        revision_drafts.revision_update(
            actor=member,
            revision=revision,
            expected_version=revision.version,
            fields={"incident": "Sneaked in."},
        )


def test_a_revision_that_changes_nothing_is_not_sent(published, member):
    revision = revision_drafts.revision_start(actor=member, case_study=published)

    with pytest.raises(TransitionRefused, match="changes nothing"):
        revisions.revision_submit(actor=member, revision=revision)

    revision.refresh_from_db()
    assert revision.status == "editing"


def test_only_the_originating_organisation_can_revise(published, outsider, moderator):
    for person in (outsider, moderator):
        with pytest.raises(TransitionRefused, match="originating organisation"):
            revision_drafts.revision_start(actor=person, case_study=published)
        response = signed_in(person).post(
            reverse("practices:revision-start", args=[published.uuid])
        )
        assert response.status_code == 404
    assert not CaseRevision.objects.exists()


def test_withdrawing_the_case_rejects_its_open_revision(published, member, moderator):
    revision = proposed(member, published, send=False)

    moderation.case_study_withdraw(actor=moderator, case_study=published, comment="Outdated.")

    revision.refresh_from_db()
    assert (revision.status, revision.decided_by) == ("rejected", moderator)
    assert snapshot(published)["incident"] == PUBLISHED_INCIDENT


def test_rejecting_a_revision_releases_the_moderators_claim(published, member, moderator):
    revision = proposed(member, published)
    moderation.case_study_claim(actor=moderator, case_study=published)

    revisions.revision_reject(actor=moderator, revision=revision, comment="Not accurate.")

    published.refresh_from_db()
    assert published.claimed_by is None
    assert published.claimed_at is None


def test_approving_a_revision_keeps_a_tag_correction_made_while_it_was_open(
    published, member, moderator
):
    """A moderator corrected the published case's tags after the organisation started its
    revision; approving the revision must not silently undo that correction (refusing the
    stale revision would be as good as merging it)."""
    revision = proposed(member, published, send=False)  # new incident text, adds Latvia
    lithuania = term("country", "LT")
    moderation.case_study_retag(
        actor=moderator,
        case_study=published,
        terms={"country": [term("country", "EE"), lithuania]},
        comment="Lithuania was targeted too.",
    )
    revisions.revision_submit(actor=member, revision=revision)

    with contextlib.suppress(TransitionRefused):
        revisions.revision_approve(actor=moderator, revision=revision)

    assert lithuania.pk in snapshot(published)["terms"]


def test_a_revision_form_opened_before_a_tag_correction_cannot_undo_it(
    published, member, moderator
):
    """The member's form shows the proposal's old countries; saving it after a moderator's
    correction is refused as stale, and the proposal keeps the correction."""
    revision = proposed(member, published, send=False)  # proposes Estonia and Latvia
    opened_at = revision.version
    lithuania = term("country", "LT")
    moderation.case_study_retag(
        actor=moderator,
        case_study=published,
        terms={"country": [term("country", "EE"), lithuania]},
    )

    with pytest.raises(StaleEdit):
        revision_drafts.revision_update(
            actor=member,
            revision=revision,
            expected_version=opened_at,
            terms={"country": [term("country", "EE"), term("country", "LV")]},
        )

    revision.refresh_from_db()
    assert revision.version == opened_at + 1
    assert lithuania.pk in revision.data["terms"]
    assert term("country", "LV").pk not in revision.data["terms"]


def test_a_tag_correction_that_leaves_the_proposal_as_it_was_keeps_the_form_current(
    published, member, moderator
):
    revision = proposed(member, published, send=False)  # proposes Estonia and Latvia
    opened_at = revision.version
    moderation.case_study_retag(
        actor=moderator,
        case_study=published,
        terms={"country": [term("country", "EE"), term("country", "LV")]},
    )

    revision_drafts.revision_update(
        actor=member,
        revision=revision,
        expected_version=opened_at,
        fields={"incident": "The incident, told once more."},
    )

    revision.refresh_from_db()
    assert revision.version == opened_at + 1  # the member's own save only
    assert revision.data["fields"]["incident"] == "The incident, told once more."


def test_a_revision_that_blanks_a_required_section_cannot_be_sent(published, member):
    revision = revision_drafts.revision_start(actor=member, case_study=published)
    revision_drafts.revision_update(
        actor=member, revision=revision, expected_version=revision.version, fields={"lessons": ""}
    )

    with pytest.raises(TransitionRefused, match="lessons learned"):
        revisions.revision_submit(actor=member, revision=revision)

    revision.refresh_from_db()
    assert revision.status == "editing"


def test_diff_ignores_line_endings_of_fields_the_browser_sent_back_untouched(
    published, member, moderator
):
    # Stored with "\n" (as the API and the demo data write it); the browser sends every
    # textarea back with "\r\n" even when nobody touched it.
    CaseStudy.objects.filter(pk=published.pk).update(
        summary="First paragraph of the summary.\n\nSecond paragraph, unchanged.",
        audiences="Voters.\nJournalists.",
    )
    published.refresh_from_db()
    client = signed_in(member)
    client.post(reverse("practices:revision-start", args=[published.uuid]))
    revision = CaseRevision.objects.get(case_study=published)
    response = client.post(
        reverse("practices:case-edit", args=[published.uuid, "incident"]),
        incident_form(
            revision,
            summary=published.summary.replace("\n", "\r\n"),
            audiences=published.audiences.replace("\n", "\r\n"),
            incident=REVISED_INCIDENT,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(reverse("practices:revision-submit", args=[published.uuid]))
    revision.refresh_from_db()

    page = signed_in(moderator).get(reverse("moderation:review", args=[published.uuid]))

    assert "\r" not in revision.data["fields"]["summary"] + revision.data["fields"]["audiences"]
    html = page.content.decode()
    diff = html[html.index("Pending revision") : html.index('class="decisions"')]
    assert re.findall(r"<h3>(.*?)</h3>", diff) == ["What was spread"]


def test_diff_of_text_stored_with_mixed_line_endings_shows_no_change():
    from practices.moderation.diff import diff_html

    html = diff_html("One sentence.\r\n\r\nAnother one.", "One sentence.\n\nAnother one.")

    assert "<del>" not in html and "<ins>" not in html
    assert html == "One sentence.\n\nAnother one."


def test_review_header_gives_when_the_revision_was_sent_not_the_first_submission(
    published, member, moderator
):
    proposed(member, published)

    page = signed_in(moderator).get(reverse("moderation:review", args=[published.uuid]))

    header = re.search(r'<p class="case-meta">(.*?)</p>', page.content.decode(), re.S).group(1)
    assert "revision sent" in header
    assert "(0\xa0minutes ago)" in header
    assert "1 Feb 2025" not in header
