"""Who is mailed about what, when: only after commit, per person, essential mail always."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from practices import tasks
from practices.cases import revisions as revision_drafts
from practices.models import CaseStudy, ModerationEvent, Taxonomy, Term
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from tests.factories import CaseStudyFactory, UserFactory


class Boom(Exception):
    """Something failing later in the same transaction."""


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


@pytest.fixture
def draft(vocabularies, org, member) -> CaseStudy:
    """A complete draft, ready to submit."""
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="draft",
        tlp="green",
        title="Forged letters",
        incident="Forged letters.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        terms=[
            Term.objects.get(taxonomy__slug="disarm-red", code="T0002"),
            Term.objects.get(taxonomy__slug="country", code="EE"),
            Term.objects.get(taxonomy__slug="region", code="euro-atlantic"),
        ],
    )


def complete_published(organisation, author, **extra) -> CaseStudy:
    """A published case complete enough that a revision of it can be sent for review."""
    return CaseStudyFactory(
        organisation=organisation,
        created_by=author,
        status="published",
        incident="Forged letters.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        terms=[
            Term.objects.get(taxonomy__slug="disarm-red", code="T0002"),
            Term.objects.get(taxonomy__slug="country", code="EE"),
            Term.objects.get(taxonomy__slug="region", code="euro-atlantic"),
        ],
        **extra,
    )


def submitted_case(org, member, **extra) -> CaseStudy:
    defaults = {"tlp": "green", "title": "Forged letters", "submitted_at": timezone.now()}
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="submitted",
        submission_round=1,
        **{**defaults, **extra},
    )


@pytest.fixture
def own_moderator(org):
    return UserFactory(organisation=org, is_moderator=True, email="moderator@org.test")


@pytest.fixture
def partner_moderator(other_org):
    return UserFactory(organisation=other_org, is_moderator=True, email="moderator@other.test")


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def assert_well_formed(message) -> None:
    """One person per message, with a plain text body and an HTML alternative."""
    assert len(message.to) == 1
    assert message.cc == [] and message.bcc == []
    assert message.subject.startswith("[Practice Exchange] ")
    assert message.body.strip() and "<p>" not in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html.lstrip().startswith("<p>")


def test_submit_mails_moderators_of_other_organisations_only_after_commit(
    draft, member, moderator, own_moderator, partner_moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.case_study_submit(actor=member, case_study=draft)
        assert mail.outbox == []

    assert len(callbacks) == 2  # one stored message per moderator, sent after commit
    assert mail.outbox == []  # not sent before the transaction commits

    for callback in callbacks:
        callback()

    assert recipients() == sorted([moderator.email, partner_moderator.email])
    assert own_moderator.email not in recipients()
    for message in mail.outbox:
        assert_well_formed(message)
        assert message.subject == "[Practice Exchange] Waiting for review: Forged letters"
        assert reverse("moderation:review", args=[draft.uuid]) in message.body
        assert "A new case was submitted" in message.body


def test_moderators_who_turned_off_optional_mail_are_not_told_of_submissions(
    draft, member, moderator, partner_moderator, django_capture_on_commit_callbacks
):
    partner_moderator.wants_optional_email = False
    partner_moderator.save()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.case_study_submit(actor=member, case_study=draft)

    assert recipients() == [moderator.email]


@pytest.mark.parametrize(
    ("status", "act"),
    [
        pytest.param(
            "draft",
            lambda case, member, mod: moderation.case_study_submit(actor=member, case_study=case),
            id="submit",
        ),
        pytest.param(
            "submitted",
            lambda case, member, mod: moderation.case_study_request_changes(
                actor=mod, case_study=case, comment="Add dates."
            ),
            id="request_changes",
        ),
        pytest.param(
            "submitted",
            lambda case, member, mod: moderation.case_study_approve(actor=mod, case_study=case),
            id="publish",
        ),
    ],
)
def test_nothing_is_enqueued_or_sent_when_the_transaction_rolls_back(
    draft, member, org_admin, moderator, django_capture_on_commit_callbacks, status, act
):
    CaseStudy.objects.filter(pk=draft.pk).update(status=status, submission_round=1)
    draft.refresh_from_db()
    events = ModerationEvent.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        act(draft, member, moderator)
        raise Boom

    assert callbacks == []
    assert mail.outbox == []
    draft.refresh_from_db()
    assert draft.status == status
    assert ModerationEvent.objects.count() == events


def test_request_changes_mails_the_submitter_and_admins_even_without_optional_mail(
    org, member, org_admin, moderator, own_moderator, django_capture_on_commit_callbacks
):
    for person in (member, org_admin):
        person.wants_optional_email = False
        person.save()
    colleague = UserFactory(organisation=org, email="colleague@org.test")
    case = submitted_case(org, member)

    with django_capture_on_commit_callbacks(execute=True):
        moderation.case_study_request_changes(
            actor=moderator, case_study=case, comment="Please add when it ended."
        )

    assert recipients() == sorted([member.email, org_admin.email])
    assert colleague.email not in recipients()
    for message in mail.outbox:
        assert_well_formed(message)
        assert message.subject == "[Practice Exchange] Changes requested: Forged letters"
        assert "Please add when it ended." in message.body
        assert "Please add when it ended." in message.alternatives[0][0]
        assert reverse("practices:case-detail", args=[case.uuid]) in message.body


def test_request_changes_mails_whoever_submitted_the_case(
    draft, org, member, moderator, django_capture_on_commit_callbacks
):
    """The person who pressed "submit" is the one asked to change it, also when a colleague
    started the draft."""
    starter = UserFactory(organisation=org, email="starter@org.test")
    CaseStudy.objects.filter(pk=draft.pk).update(created_by=starter)
    moderation.case_study_submit(actor=member, case_study=draft)

    with django_capture_on_commit_callbacks(execute=True):
        moderation.case_study_request_changes(
            actor=moderator, case_study=draft, comment="Please add when it ended."
        )

    assert member.email in recipients()


@pytest.mark.parametrize(
    ("action", "comment"),
    [("reject", "Out of scope."), ("withdraw", "Superseded.")],
)
def test_rejection_and_withdrawal_are_essential_mail(
    org, member, moderator, django_capture_on_commit_callbacks, action, comment
):
    member.wants_optional_email = False
    member.save()
    case = submitted_case(org, member)
    if action == "withdraw":
        CaseStudy.objects.filter(pk=case.pk).update(status="published")

    with django_capture_on_commit_callbacks(execute=True):
        getattr(moderation, f"case_study_{action}")(
            actor=moderator, case_study=case, comment=comment
        )

    assert recipients() == [member.email]
    assert comment in mail.outbox[0].body


def test_published_notice_respects_the_choice_to_turn_off_optional_mail(
    org, member, org_admin, moderator, django_capture_on_commit_callbacks
):
    member.wants_optional_email = False
    member.save()
    case = submitted_case(org, member)

    with django_capture_on_commit_callbacks(execute=True):
        moderation.case_study_approve(actor=moderator, case_study=case)

    assert recipients() == [org_admin.email]
    [message] = mail.outbox
    assert_well_formed(message)
    assert message.subject == "[Practice Exchange] Published: Forged letters"


def test_mail_escapes_the_title_in_html_but_not_in_plain_text(
    org, member, moderator, django_capture_on_commit_callbacks
):
    case = submitted_case(org, member, title="Fakes <b>& forgeries</b>")

    with django_capture_on_commit_callbacks(execute=True):
        moderation.case_study_approve(actor=moderator, case_study=case)

    [message] = mail.outbox
    assert '"Fakes <b>& forgeries</b>" is published' in message.body
    assert "Fakes &lt;b&gt;&amp; forgeries&lt;/b&gt;" in message.alternatives[0][0]


def test_pending_revision_mails_moderators_of_other_organisations(
    vocabularies, org, member, moderator, own_moderator, django_capture_on_commit_callbacks
):
    case = complete_published(org, member)
    revision = revision_drafts.revision_start(actor=member, case_study=case)
    revision = revision_drafts.revision_update(
        actor=member, revision=revision, expected_version=1, fields={"summary": "Better."}
    )

    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_submit(actor=member, revision=revision)

    assert recipients() == [moderator.email]
    assert mail.outbox[0].subject.startswith("[Practice Exchange] Revision waiting for review")


def test_digest_lists_waiting_items_oldest_first_to_moderators_who_want_it(
    vocabularies,
    org,
    other_org,
    member,
    outsider,
    moderator,
    own_moderator,
    partner_moderator,
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    for title, organisation, author, days in [
        ("Newer from EE", org, member, 1),
        ("Oldest from JP", other_org, outsider, 4),
        ("Older from EE", org, member, 3),
    ]:
        submitted_case(
            organisation,
            author,
            title=title,
            submitted_at=now - datetime.timedelta(days=days),
        )
    revised = complete_published(other_org, outsider, title="Revised JP")
    revision = revision_drafts.revision_start(actor=outsider, case_study=revised)
    revision = revision_drafts.revision_update(
        actor=outsider, revision=revision, expected_version=1, fields={"summary": "Better."}
    )
    revisions.revision_submit(actor=outsider, revision=revision)
    for status in ("draft", "published", "changes_requested"):
        CaseStudyFactory(organisation=org, status=status, title=f"Not waiting {status}")
    partner_moderator.wants_optional_email = False
    partner_moderator.save()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = tasks.moderators_digest.delay().get()

    assert sent == 2
    by_person = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_person) == sorted([moderator.email, own_moderator.email])
    hub = by_person[moderator.email]
    assert_well_formed(hub)
    assert hub.subject == "[Practice Exchange] 4 items waiting for review"
    cases = ["Oldest from JP", "Older from EE", "Newer from EE"]
    assert [hub.body.index(title) for title in cases] == sorted(
        hub.body.index(title) for title in cases
    )
    assert "Revision of Revised JP" in hub.body
    assert "waiting 4\xa0days" in hub.body
    assert "Not waiting" not in hub.body
    assert reverse("moderation:queue") in hub.body
    # A moderator is not asked to review their own organisation's cases.
    own = by_person[own_moderator.email]
    assert "Oldest from JP" in own.body and "Revised JP" in own.body
    assert "from EE" not in own.body
    assert own.subject == "[Practice Exchange] 2 items waiting for review"


def test_digest_sends_nothing_when_nothing_waits(moderator):
    assert tasks.moderators_digest.delay().get() == 0
    assert mail.outbox == []
