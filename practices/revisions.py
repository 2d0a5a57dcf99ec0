"""Pending revisions: edits to a published case wait for a moderator before they show.

A revision holds the full proposed content as JSON (fields, term ids, recipient ids and
references). The edit pages work on ``revision_as_case``, an unsaved copy of the case with the
proposal applied, so drafting and revising share the same forms.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation, User
from practices import feed, tasks
from practices.audit import audit_record, changes_between
from practices.exceptions import StaleEdit
from practices.models import AuditEvent, CaseRevision, CaseStudy, ModerationEvent, Reference, Term
from practices.moderation import Role, TransitionRefused, has_role, require_moderator_for
from practices.services import case_study_missing

EDITABLE_FIELDS = [
    "title", "summary", "incident", "attribution_confidence", "audiences", "incident_start",
    "incident_end", "response", "responders", "response_start", "response_end", "resources",
    "outcome", "effectiveness", "evidence", "lessons", "recommendations", "tlp",
    "attribution_mode",
]  # fmt: skip
DATE_FIELDS = {"incident_start", "incident_end", "response_start", "response_end"}


def _encode(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _decode(field: str, value):
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
        setattr(case_study, field, _decode(field, value))
    return case_study


def open_revision(case_study: CaseStudy) -> CaseRevision | None:
    return case_study.revisions.filter(status__in=CaseRevision.OPEN).first()


def _require_originator(actor: User, case_study: CaseStudy) -> None:
    if not has_role(actor, case_study, Role.ORIGINATOR):
        raise TransitionRefused("Only the originating organisation can revise this case.")


@transaction.atomic
def revision_start(*, actor: User, case_study: CaseStudy) -> CaseRevision:
    """Open (or return the open) revision of a published case."""
    case_study = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    _require_originator(actor, case_study)
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
    revision = CaseRevision.objects.select_for_update().get(pk=revision.pk)
    _require_originator(actor, revision.case_study)
    if revision.status != CaseRevision.Status.EDITING:
        raise TransitionRefused("This revision waits for review and cannot be changed now.")
    if revision.version != expected_version:
        raise StaleEdit(current_version=revision.version)
    data = revision.data
    for field, value in (fields or {}).items():
        data["fields"][field] = _encode(value)
    if terms is not None:
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
def revision_submit(*, actor: User, revision: CaseRevision) -> CaseRevision:
    """Send the proposal to the moderators."""
    revision = CaseRevision.objects.select_for_update().get(pk=revision.pk)
    _require_originator(actor, revision.case_study)
    if revision.status != CaseRevision.Status.EDITING:
        raise TransitionRefused("This revision was already sent for review.")
    if revision.data == case_content(revision.case_study):
        raise TransitionRefused("The revision changes nothing yet.")
    missing = case_study_missing(
        revision_as_case(revision),
        term_ids=revision.data["terms"],
        recipient_ids=revision.data["recipients"],
    )
    if missing:
        # A published case must stay complete: same rule as the first submission.
        raise TransitionRefused(
            "The revision cannot be sent yet; it needs " + "; ".join(missing) + "."
        )
    revision.status = CaseRevision.Status.PENDING
    revision.submitted_at = timezone.now()
    revision.save(update_fields=["status", "submitted_at"])
    event = ModerationEvent.objects.create(
        case_study=revision.case_study,
        kind=ModerationEvent.Kind.REVISION,
        actor=actor,
        comment="Revision sent for review.",
        details={"revision": str(revision.uuid), "status": "pending"},
    )
    transaction.on_commit(lambda: tasks.revision_notify.delay(event.pk))
    return revision


@transaction.atomic
def revision_discard(*, actor: User, revision: CaseRevision) -> None:
    """The organisation drops a proposal it has not sent."""
    revision = CaseRevision.objects.select_for_update().get(pk=revision.pk)
    _require_originator(actor, revision.case_study)
    if revision.status != CaseRevision.Status.EDITING:
        raise TransitionRefused("Only a revision being edited can be discarded.")
    revision.delete()


def _decide(actor: User, revision: CaseRevision) -> CaseRevision:
    revision = (
        CaseRevision.objects.select_for_update().select_related("case_study").get(pk=revision.pk)
    )
    require_moderator_for(actor, revision.case_study)
    if revision.status != CaseRevision.Status.PENDING:
        raise TransitionRefused(
            f"This revision is {revision.get_status_display().lower()}; nothing to decide."
        )
    return revision


@transaction.atomic
def revision_approve(*, actor: User, revision: CaseRevision, comment: str = "") -> CaseStudy:
    """Apply the proposal to the published case."""
    revision = _decide(actor, revision)
    case_study = CaseStudy.objects.select_for_update().get(pk=revision.case_study_id)
    if case_study.version != revision.base_version:
        # Applying the proposal would silently undo what changed on the case since.
        raise TransitionRefused(
            "The published case changed since this revision was started. Refuse the revision "
            "and ask its organisation to start a new one from the current text."
        )
    before = case_content(case_study)
    data = revision.data
    for field, value in data["fields"].items():
        setattr(case_study, field, _decode(field, value))
    case_study.full_clean(exclude=["uuid", "organisation", "created_by", "claimed_by"])
    case_study.version = F("version") + 1
    case_study.claimed_by, case_study.claimed_at = None, None
    case_study.save()
    case_study.terms.set(data["terms"])
    case_study.recipients.set(data["recipients"])
    case_study.references.all().delete()
    Reference.objects.bulk_create(
        Reference(case_study=case_study, position=i, **ref)
        for i, ref in enumerate(data["references"])
    )
    revision.status = CaseRevision.Status.APPROVED
    revision.decided_by, revision.decided_at, revision.comment = actor, timezone.now(), comment
    revision.save()
    event = ModerationEvent.objects.create(
        case_study=case_study,
        kind=ModerationEvent.Kind.REVISION,
        actor=actor,
        comment=comment.strip() or "Revision approved and published.",
        details={"revision": str(revision.uuid), "status": "approved"},
    )
    after = case_content(case_study)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case_study,
        changes=changes_between(
            {**before["fields"], "terms": before["terms"], "recipients": before["recipients"]},
            {**after["fields"], "terms": after["terms"], "recipients": after["recipients"]},
        ),
        organisation=actor.organisation,
    )
    case_study.refresh_from_db()
    feed.change_record(case_study)
    transaction.on_commit(lambda: tasks.revision_notify.delay(event.pk))
    return case_study


@transaction.atomic
def revision_reject(*, actor: User, revision: CaseRevision, comment: str) -> CaseRevision:
    """Refuse the proposal (reason required); the published case stays as it was."""
    if not comment.strip():
        raise TransitionRefused("Say why the revision is refused: a comment is required.")
    revision = _decide(actor, revision)
    CaseStudy.objects.filter(pk=revision.case_study_id).update(claimed_by=None, claimed_at=None)
    revision.status = CaseRevision.Status.REJECTED
    revision.decided_by, revision.decided_at, revision.comment = actor, timezone.now(), comment
    revision.save()
    event = ModerationEvent.objects.create(
        case_study=revision.case_study,
        kind=ModerationEvent.Kind.REVISION,
        actor=actor,
        comment=comment.strip(),
        details={"revision": str(revision.uuid), "status": "rejected"},
    )
    transaction.on_commit(lambda: tasks.revision_notify.delay(event.pk))
    return revision
