"""Who is told about access requests, by e-mail, in their own language.

As in ``practices.moderation.notifications``: each message is rendered in its recipient's
language and written to the e-mail outbox in the deciding transaction, which sends it after
commit (``transaction.on_commit``), so a mail-server outage never undoes a decision.

Mail to the requesting organisation names the originator only when the case is named: an
anonymised case shows "a partner organisation" and its region, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.languages import in_language_of
from accounts.models import User
from outbox.services import email_queue
from practices.hub.models import AccessRequest
from practices.moderation.notifications import people_to_mail


def _admins_of(organisation_id: int) -> list[User]:
    return list(
        User.objects.active()
        .filter(organisation_id=organisation_id, role=User.Role.ADMIN)
        .order_by("pk")
    )


def originator_admins(access_request: AccessRequest, *, essential: bool) -> list[User]:
    """The originating organisation's admins: they decide."""
    admins = _admins_of(access_request.case_study.organisation_id)
    return people_to_mail(admins, essential=essential)


def requester_side(access_request: AccessRequest) -> list[User]:
    """Whoever asked (if still in that organisation) and the requesting organisation's admins."""
    asked = access_request.requested_by
    if asked is not None and asked.organisation_id != access_request.organisation_id:
        asked = None
    return people_to_mail([asked, *_admins_of(access_request.organisation_id)], essential=True)


def _link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _send(people: list[User], subject: Callable[[], str], template: str, context: dict) -> None:
    for person in people:
        personal = {**context, "person": person}
        with in_language_of(person):
            email_queue(
                to=[person.email],
                # The portal's name is a brand and stays as it is in every language.
                subject=f"[Practice Exchange] {subject()}",
                body=render_to_string(f"practices/hub/access_email_{template}.txt", personal),
                html_body=render_to_string(f"practices/hub/access_email_{template}.html", personal),
            )


def _context(access_request: AccessRequest) -> dict:
    case_study = access_request.case_study
    organisation = case_study.organisation
    return {
        "request": access_request,
        "case": case_study,
        "requester": access_request.organisation.name,
        # Named only when the case is named; the templates word the anonymous form in the
        # reader's language.
        "originator": None if case_study.is_anonymised else organisation.name,
        "region": organisation.get_region_display,
        "request_link": _link("practices:access-request-detail", access_request.uuid),
    }


def access_request_created_notify(access_request: AccessRequest) -> list[int]:
    """Tell the originating organisation's admins that a request waits for them (they must
    act, so it is sent whatever their e-mail preference)."""
    people = originator_admins(access_request, essential=True)
    title = access_request.case_study.title

    def subject() -> str:
        return _("Access requested: %(title)s") % {"title": title}

    _send(people, subject, "requested", _context(access_request))
    return [p.pk for p in people]


def access_request_decided_notify(access_request: AccessRequest) -> list[int]:
    """Tell both sides of a decision: the requesting organisation (whoever asked and its
    admins) and the originating organisation's admins. Returns the requesting side's people,
    who need no second "shared with you" mail."""
    granted = access_request.status == AccessRequest.Status.GRANTED
    title = access_request.case_study.title
    context = {
        **_context(access_request),
        "granted": granted,
        "case_link": _link("practices:case-detail", access_request.case_study.uuid),
    }

    def requester_subject() -> str:
        words = _("Access granted: %(title)s") if granted else _("Access declined: %(title)s")
        return words % {"title": title}

    def originator_subject() -> str:
        words = (
            _("You granted access to %(organisation)s: %(title)s")
            if granted
            else _("You declined access to %(organisation)s: %(title)s")
        )
        return words % {"organisation": access_request.organisation.name, "title": title}

    requesters = requester_side(access_request)
    _send(requesters, requester_subject, "decided", context)
    originators = [
        p for p in originator_admins(access_request, essential=True) if p not in requesters
    ]
    _send(originators, originator_subject, "decided_originator", context)
    return [p.pk for p in requesters]


def access_request_withdrawn_notify(access_request: AccessRequest) -> list[int]:
    """Tell the originating organisation's admins that a request no longer waits for them
    (a notice: their e-mail preference applies)."""
    people = originator_admins(access_request, essential=False)
    title = access_request.case_study.title

    def subject() -> str:
        return _("Access request withdrawn: %(title)s") % {"title": title}

    _send(people, subject, "withdrawn", _context(access_request))
    return [p.pk for p in people]
