"""The mail that tells the originating organisation its practice was applied elsewhere.

Written to the e-mail outbox in the adoption's transaction and sent after commit, like the
moderation notices (``practices.moderation.notifications``), each in its recipient's language.
An anonymised adopter is never named: the mail says "a partner organisation" and its region.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.languages import in_language_of
from outbox.services import email_queue
from practices.hub.models import Adoption
from practices.moderation.notifications import case_link, originators_for


def adoption_recorded_notify(adoption: Adoption) -> int:
    """Queue one message per person of the originating organisation who wants such notices
    (its admins, the case's author and submitter); returns how many were queued."""
    case_study = adoption.case_study
    adopter = adoption.organisation
    context = {
        "case": case_study,
        "adoption": adoption,
        # Named only when the adoption is named; the template words the anonymous form itself.
        "adopter": None if adoption.is_anonymised else adopter.name,
        "region": adopter.get_region_display,
        "link": case_link(case_study, for_moderator=False) + "#adoptions",
    }
    recipients = originators_for(case_study, essential=False)
    for person in recipients:
        personal = {**context, "person": person}
        with in_language_of(person):
            subject = _("Your practice was applied: %(title)s") % {"title": case_study.title}
            email_queue(
                to=[person.email],
                subject=f"[Practice Exchange] {subject}",
                body=render_to_string("practices/hub/adoption_email.txt", personal),
                html_body=render_to_string("practices/hub/adoption_email.html", personal),
                reference=f"adoption:{adoption.uuid}",
            )
    return len(recipients)
