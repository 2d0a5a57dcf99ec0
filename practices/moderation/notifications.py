"""Who is told about what, by e-mail, and in which words.

Messages are rendered in the transaction of the change and stored in the e-mail outbox
(``outbox``), which sends them after commit: a broker or mail-server outage delays mail but
never fails the moderator's action, and loses nothing.

Mail that asks the person to act (changes requested) or tells them their shared material
changed against their will (rejected, withdrawn by a moderator) is essential and always sent;
the rest ("submitted", "published", the digest) respects each person's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_of
from accounts.models import User
from outbox.services import email_queue
from practices.cases.models import CaseStudy, ModerationEvent

Status = CaseStudy.Status
ESSENTIAL = {Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN}

# Lazy: each subject is rendered in its recipient's language (``send``).
SUBJECTS = {
    Status.SUBMITTED: _("Waiting for review: %(title)s"),
    Status.CHANGES_REQUESTED: _("Changes requested: %(title)s"),
    Status.PUBLISHED: _("Published: %(title)s"),
    Status.REJECTED: _("Not accepted: %(title)s"),
    Status.WITHDRAWN: _("Withdrawn: %(title)s"),
}


def people_to_mail(people: Iterable[User | None], *, essential: bool) -> list[User]:
    """The active people with an address among these, once each; for an optional mail, only
    those who want optional mail. (Also used by the hub's access-request mails.)"""
    seen, chosen = set(), []
    for person in people:
        if person is None or person.pk in seen or not person.is_active or not person.email:
            continue
        if essential or person.wants_optional_email:
            seen.add(person.pk)
            chosen.append(person)
    return chosen


def moderators_for(case_study: CaseStudy) -> list[User]:
    """Moderators who may act on the case: active, and not of its own organisation."""
    people = User.objects.moderators().exclude(organisation_id=case_study.organisation_id)
    return people_to_mail(people, essential=False)


def originators_for(case_study: CaseStudy, essential: bool) -> list[User]:
    """Whoever submitted the case, whoever started it, and the organisation's admins."""
    people = list(
        User.objects.active().filter(
            organisation_id=case_study.organisation_id, role=User.Role.ADMIN
        )
    )
    submission = (
        case_study.events.filter(kind=ModerationEvent.Kind.TRANSITION, to_status=Status.SUBMITTED)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    for person in (case_study.created_by, submission.actor if submission else None):
        if person is not None and person.organisation_id == case_study.organisation_id:
            people.insert(0, person)
    return people_to_mail(people, essential=essential)


def case_link(case_study: CaseStudy, *, for_moderator: bool) -> str:
    name = "moderation:review" if for_moderator else "practices:case-detail"
    return settings.SITE_URL + reverse(name, args=[case_study.uuid])


def send(
    recipients: list[User], subject: str | Callable[[], str], template: str, context: dict
) -> int:
    """Queue one message per person (no shared To: line reveals who else was told) in the
    outbox, in the current transaction; returns how many were queued.

    Each message is rendered in its recipient's language (``in_language_of``), whatever the
    language of the request or task that sends it: ``subject`` is a lazy string, or a callable
    that builds the subject and is called in that language."""
    for person in recipients:
        personal = {**context, "person": person}
        with in_language_of(person):
            line = subject() if callable(subject) else str(subject)
            email_queue(
                to=[person.email],
                # The portal's name is a brand and stays as it is in every language.
                subject=f"[Practice Exchange] {line}",
                body=render_to_string(f"practices/moderation/email/{template}.txt", personal),
                html_body=render_to_string(f"practices/moderation/email/{template}.html", personal),
            )
    return len(recipients)


REVISION_SUBJECTS = {
    "pending": _("Revision waiting for review: %(title)s"),
    "approved": _("Revision published: %(title)s"),
    "rejected": _("Revision not accepted: %(title)s"),
}


def revision_event_notify(event: ModerationEvent) -> int:
    """Mail about a pending revision (to moderators) or its decision (to the organisation)."""
    case_study = event.case_study
    outcome = event.details.get("status")
    if outcome == "pending":
        recipients = moderators_for(case_study)
    else:
        recipients = originators_for(case_study, essential=outcome == "rejected")
    context = {
        "case": case_study,
        "event": event,
        "outcome": outcome,
        "link": case_link(case_study, for_moderator=outcome == "pending"),
    }

    def subject() -> str:
        return REVISION_SUBJECTS[outcome] % {"title": case_study.title}

    return send(recipients, subject, "revision_event", context)


def event_notify(event: ModerationEvent) -> int:
    """Queue mail to the people an event concerns; returns how many messages were queued."""
    if event.kind == ModerationEvent.Kind.REVISION:
        return revision_event_notify(event)
    case_study = event.case_study
    to_moderators = event.to_status == Status.SUBMITTED
    if to_moderators:
        recipients = moderators_for(case_study)
    else:
        recipients = originators_for(case_study, essential=event.to_status in ESSENTIAL)
    context = {
        "case": case_study,
        "event": event,
        "link": case_link(case_study, for_moderator=to_moderators),
        "resubmitted": event.from_status == Status.CHANGES_REQUESTED,
    }

    def subject() -> str:
        return SUBJECTS[event.to_status] % {"title": case_study.title}

    return send(recipients, subject, "case_event", context)


def recipients_for(
    case_study: CaseStudy, *, organisation_ids: Iterable[int] | None = None
) -> list[User]:
    """People of the case's recipient organisations (or of those of them named in
    ``organisation_ids``) who want optional e-mail: active, of an active organisation, and
    never of the originating organisation itself."""
    organisations = case_study.recipients.all()
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=list(organisation_ids))
    people = (
        User.objects.active()
        .filter(organisation__in=organisations)
        .exclude(organisation_id=case_study.organisation_id)
        .order_by("pk")
    )
    return people_to_mail(people, essential=False)


def recipients_notify(
    case_study: CaseStudy,
    *,
    organisation_ids: Iterable[int] | None = None,
    already_told: Iterable[int] = (),
) -> int:
    """Tell the recipient organisations of a newly published AMBER or AMBER+STRICT case that it
    was shared with them. The originator is named only when the case is named: an anonymised
    case shows "a partner organisation" and its region, as on the case page.

    ``organisation_ids`` limits the mail to recipients just added (an access request granted);
    ``already_told`` are people who received another message about the same change."""
    if case_study.tlp not in CaseStudy.RESTRICTED_TLPS:
        return 0
    organisation = case_study.organisation
    context = {
        "case": case_study,
        # Named only when the case is named; the template words the anonymous form itself,
        # in the recipient's language.
        "originator": None if case_study.is_anonymised else organisation.name,
        "region": organisation.get_region_display,
        "link": case_link(case_study, for_moderator=False),
    }

    def subject() -> str:
        return _("Shared with your organisation: %(title)s") % {"title": case_study.title}

    skip = set(already_told)
    people = [
        p for p in recipients_for(case_study, organisation_ids=organisation_ids) if p.pk not in skip
    ]
    return send(people, subject, "recipient_published", context)
