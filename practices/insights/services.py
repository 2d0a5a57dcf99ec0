"""Writes of the insights room: linking related cases and removing a link.

Who may link: a member (or token) of the organisation of the case the link starts from, and
moderators, from any case; in both cases only between two cases the linker may read. Who may
remove: anyone acting for the organisation the link was made for, and moderators — provided
they may still read both cases (otherwise the link is not theirs to see).

No change-feed entry is written: the feed carries cases as each consumer may see them, and a
link is not part of a case's representation (nor does it change the case's ``modified``).
Writing one would resend both cases to every consumer, and would tell the consumers of the
other case's organisation that something happened to it. Links are read from their own
endpoint (``/api/v1/cases/{uuid}/links/``), filtered for the reader on every request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, person_of
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_acts_for, actor_moderates, actor_owns
from practices.exceptions import LinkExists, LinkRefused
from practices.insights.models import CaseLink

NOTE_MAX = CaseLink._meta.get_field("note").max_length


def may_link_from(actor, case_study: CaseStudy) -> bool:
    """Whether the actor may link this case (which they can read) to others."""
    return actor_owns(actor, case_study) or actor_moderates(actor)


def may_remove(actor, link: CaseLink) -> bool:
    """Whether the actor may remove this link (which they can see)."""
    return actor_moderates(actor) or (
        link.organisation_id is not None and actor_acts_for(actor, link.organisation_id)
    )


def _both_readable(actor, *cases: CaseStudy) -> bool:
    ids = {case.pk for case in cases}
    return CaseStudy.objects.visible_to(actor).filter(pk__in=ids).count() == len(ids)


def _audit_changes(link: CaseLink, *, removed: bool = False) -> dict:
    values = {
        "from_case": str(link.from_case.uuid),
        "to_case": str(link.to_case.uuid),
        "kind": link.kind,
    }
    return {field: [value, None] if removed else [None, value] for field, value in values.items()}


@transaction.atomic
def case_link_create(
    *, actor, from_case: CaseStudy, to_case: CaseStudy | None, kind: str, note: str = ""
) -> CaseLink:
    """Link ``from_case`` to ``to_case`` with a kind, and audit it.

    ``to_case`` is None when the address given names no case the actor may read: the same
    message then answers a missing case and a case the actor may not read.
    """
    if not _both_readable(actor, from_case):
        raise LinkRefused(_("No case you may read has this address."))
    if not may_link_from(actor, from_case):
        raise PermissionDenied(
            _("Only members of the case's organisation and moderators may link it to other cases.")
        )
    if kind not in CaseLink.Kind.values:
        raise LinkRefused(_("Choose how the cases are related."), field="kind")
    if to_case is None or not _both_readable(actor, to_case):
        raise LinkRefused(_("No case you may read has this address."), field="to_case")
    if to_case.pk == from_case.pk:
        raise LinkRefused(_("A case cannot be linked to itself."), field="to_case")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise LinkRefused(
            _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}, field="note"
        )
    link = CaseLink(
        from_case=from_case,
        to_case=to_case,
        kind=kind,
        note=note,
        organisation=getattr(actor, "organisation", None),
        created_by=person_of(actor),
    )
    try:
        with transaction.atomic():  # a savepoint: the duplicate's error leaves the rest usable
            link.save()
    except IntegrityError as exc:
        raise LinkExists(_("These cases are already linked this way."), field="to_case") from exc
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=link,
        changes=_audit_changes(link),
        case_study=from_case,
    )
    return link


@transaction.atomic
def case_link_delete(*, actor, link: CaseLink) -> None:
    """Remove a link the actor may see and remove (see the module's docstring), and audit it."""
    if not _both_readable(actor, link.from_case, link.to_case):
        raise LinkRefused(_("No such link."))
    if not may_remove(actor, link):
        raise PermissionDenied(
            _("Only the organisation that made this link and moderators may remove it.")
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=link,
        changes=_audit_changes(link, removed=True),
        case_study=link.from_case,
    )
    link.delete()
