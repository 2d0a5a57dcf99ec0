"""Who is told about what, by e-mail, and in which words.

Messages are rendered in the transaction of the change and stored in the e-mail outbox
(``outbox``), which sends them after commit: a broker or mail-server outage delays mail but
never fails the moderator's action, and loses nothing.

Mail that asks the person to act (changes requested) or tells them their shared material
changed against their will (rejected, withdrawn by a moderator) is essential and always sent;
the rest ("submitted", "published", the digest) respects each person's choice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from outbox.services import email_queue
from practices.cases.models import CaseStudy, ModerationEvent

Status = CaseStudy.Status
ESSENTIAL = {Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN}

SUBJECTS = {
    Status.SUBMITTED: "Waiting for review: {title}",
    Status.CHANGES_REQUESTED: "Changes requested: {title}",
    Status.PUBLISHED: "Published: {title}",
    Status.REJECTED: "Not accepted: {title}",
    Status.WITHDRAWN: "Withdrawn: {title}",
}


def _wanted(people: Iterable[User], essential: bool) -> list[User]:
    seen, chosen = set(), []
    for person in people:
        if person.pk in seen or not person.is_active or not person.email:
            continue
        if essential or person.wants_optional_email:
            seen.add(person.pk)
            chosen.append(person)
    return chosen


def moderators_for(case_study: CaseStudy) -> list[User]:
    """Moderators who may act on the case: active, and not of its own organisation."""
    people = User.objects.moderators().exclude(organisation_id=case_study.organisation_id)
    return _wanted(people, essential=False)


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
    return _wanted(people, essential=essential)


def case_link(case_study: CaseStudy, *, for_moderator: bool) -> str:
    name = "moderation:review" if for_moderator else "practices:case-detail"
    return settings.SITE_URL + reverse(name, args=[case_study.uuid])


def send(recipients: list[User], subject: str, template: str, context: dict) -> int:
    """Queue one message per person (no shared To: line reveals who else was told) in the
    outbox, in the current transaction; returns how many were queued."""
    for person in recipients:
        personal = {**context, "person": person}
        email_queue(
            to=[person.email],
            subject=f"[Practice Exchange] {subject}",
            body=render_to_string(f"practices/moderation/email/{template}.txt", personal),
            html_body=render_to_string(f"practices/moderation/email/{template}.html", personal),
        )
    return len(recipients)


REVISION_SUBJECTS = {
    "pending": "Revision waiting for review: {title}",
    "approved": "Revision published: {title}",
    "rejected": "Revision not accepted: {title}",
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
    subject = REVISION_SUBJECTS[outcome].format(title=case_study.title)
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
    subject = SUBJECTS[event.to_status].format(title=case_study.title)
    return send(recipients, subject, "case_event", context)


def recipients_for(case_study: CaseStudy) -> list[User]:
    """People of the case's recipient organisations who want optional e-mail: active, of an
    active organisation, and never of the originating organisation itself."""
    people = (
        User.objects.active()
        .filter(organisation__in=case_study.recipients.all())
        .exclude(organisation_id=case_study.organisation_id)
        .order_by("pk")
    )
    return _wanted(people, essential=False)


def recipients_notify(case_study: CaseStudy) -> int:
    """Tell the recipient organisations of a newly published AMBER or AMBER+STRICT case that it
    was shared with them. The originator is named only when the case is named: an anonymised
    case shows "a partner organisation" and its region, as on the case page."""
    if case_study.tlp not in CaseStudy.RESTRICTED_TLPS:
        return 0
    organisation = case_study.organisation
    if case_study.is_anonymised:
        originator = f"A partner organisation ({organisation.get_region_display()})"
    else:
        originator = organisation.name
    context = {
        "case": case_study,
        "originator": originator,
        "link": case_link(case_study, for_moderator=False),
    }
    subject = f"Shared with your organisation: {case_study.title}"
    return send(recipients_for(case_study), subject, "recipient_published", context)
