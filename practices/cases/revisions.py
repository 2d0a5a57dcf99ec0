"""Pending revisions: edits to a published case wait for a moderator before they show.

A revision holds the full proposed content as JSON (fields, term ids, recipient ids and
references). The edit pages work on ``revision_as_case``, an unsaved copy of the case with the
proposal applied, so drafting and revising share the same forms. Drafting a revision is here;
sending it for review and the moderators' decision are in ``practices.moderation.revisions``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from accounts.models import Organisation, User
from practices.cases.locking import case_locked, revision_locked
from practices.cases.models import CaseRevision, CaseStudy
from practices.cases.querysets import actor_owns
from practices.cases.services import terms_held, undiscoverable_unless_amber
from practices.exceptions import StaleEdit, TransitionRefused
from practices.vocabularies.models import Term

EDITABLE_FIELDS = [
    "title", "summary", "language", "summary_translation", "summary_translation_language",
    "incident", "attribution_confidence", "audiences", "incident_start",
    "incident_end", "response", "responders", "response_start", "response_end", "resources",
    "outcome", "effectiveness", "evidence", "lessons", "recommendations", "tlp",
    "attribution_mode", "discoverable",
]  # fmt: skip
DATE_FIELDS = {"incident_start", "incident_end", "response_start", "response_end"}


def _encode(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def decode(field: str, value):
    if field in DATE_FIELDS and value:
        return datetime.date.fromisoformat(value)
    return value


def case_content(case_study: CaseStudy) -> dict[str, Any]:
    """The editable content of a case, as a revision stores it."""
    return {
        "fields": {f: _encode(getattr(case_study, f)) for f in EDITABLE_FIELDS},
        "terms": sorted(case_study.terms.values_list("pk", flat=True)),
        "recipients": sorted(case_study.recipients.values_list("pk", flat=True)),
        "references": [
            {"url": r.url, "title": r.title, "archive_url": r.archive_url}
            for r in case_study.references.all()
        ],
    }


def revision_as_case(revision: CaseRevision) -> CaseStudy:
    """An unsaved copy of the case showing the proposal, for forms and previews."""
    case_study = CaseStudy.objects.get(pk=revision.case_study_id)
    for field, value in revision.data["fields"].items():
        setattr(case_study, field, decode(field, value))
    return case_study


def open_revision(case_study: CaseStudy) -> CaseRevision | None:
    return case_study.revisions.filter(status__in=CaseRevision.OPEN).first()


def require_originator(actor: User, case_study: CaseStudy) -> None:
    """Only the originating organisation drafts, sends or discards a revision of its case."""
    if not actor_owns(actor, case_study):
        raise TransitionRefused("Only the originating organisation can revise this case.")


@transaction.atomic
def revision_start(*, actor: User, case_study: CaseStudy) -> CaseRevision:
    """Open (or return the open) revision of a published case."""
    case_study = case_locked(case_study.pk)  # lock order: practices.cases.locking
    require_originator(actor, case_study)
    if case_study.status != CaseStudy.Status.PUBLISHED:
        raise TransitionRefused("Only published cases are revised; drafts are edited directly.")
    existing = open_revision(case_study)
    if existing:
        return existing
    return CaseRevision.objects.create(
        case_study=case_study,
        data=case_content(case_study),
        base_version=case_study.version,
        created_by=actor,
    )


@transaction.atomic
def revision_update(
    *,
    actor: User,
    revision: CaseRevision,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    terms: dict[str, list[Term]] | None = None,
    recipients: list[Organisation] | None = None,
    references: list[dict[str, str]] | None = None,
) -> CaseRevision:
    """Change the proposal (not the published case), refusing a stale save like drafts do."""
    # Case row first, then the revision (practices.cases.locking).
    revision = revision_locked(revision)
    require_originator(actor, revision.case_study)
    if revision.status != CaseRevision.Status.EDITING:
        raise TransitionRefused("This revision waits for review and cannot be changed now.")
    if revision.version != expected_version:
        raise StaleEdit(current_version=revision.version)
    data = revision.data
    if fields:
        proposed = revision_as_case(revision)
        fields = undiscoverable_unless_amber(fields, proposed)
    for field, value in (fields or {}).items():
        data["fields"][field] = _encode(value)
    if terms is not None:
        # Held after the case row: a keyword merge waits, then finds and follows this proposal.
        terms = terms_held(terms, linked=data["terms"])
        slugs = set(terms)
        kept = Term.objects.filter(pk__in=data["terms"]).exclude(taxonomy__slug__in=slugs)
        data["terms"] = sorted(
            {
                *kept.values_list("pk", flat=True),
                *(t.pk for chosen in terms.values() for t in chosen),
            }
        )
    if recipients is not None:
        data["recipients"] = sorted(
            o.pk for o in recipients if o.pk != revision.case_study.organisation_id
        )
    if references is not None:
        data["references"] = references
    revision.data = data
    revision.version = F("version") + 1
    revision.save(update_fields=["data", "version"])
    revision.refresh_from_db()
    return revision


@transaction.atomic
def revision_discard(*, actor: User, revision: CaseRevision) -> None:
    """The organisation drops a proposal it has not sent."""
    revision = revision_locked(revision)  # case row first, then the revision
    require_originator(actor, revision.case_study)
    if revision.status != CaseRevision.Status.EDITING:
        raise TransitionRefused("Only a revision being edited can be discarded.")
    revision.delete()
