"""Review of pending revisions: sending one to the moderators, and approving or refusing it.

Drafting a revision (start, update, discard) is in ``practices.cases.revisions``. Every
service here locks the case row first and the revision second (``revision_locked``), the
order withdrawing a case uses too (see ``practices.cases.locking``): opposite orders deadlock.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between
from practices.cases.changes import case_change_record
from practices.cases.locking import revision_locked
from practices.cases.models import CaseRevision, CaseStudy, ModerationEvent, Reference
from practices.cases.revisions import case_content, decode, require_originator, revision_as_case
from practices.cases.services import case_study_missing
from practices.exceptions import TransitionRefused
from practices.moderation import notifications
from practices.moderation.transitions import require_moderator_for


@transaction.atomic
def revision_submit(*, actor: User, revision: CaseRevision) -> CaseRevision:
    """Send the proposal to the moderators."""
    revision = revision_locked(revision)  # case row first, then the revision
    require_originator(actor, revision.case_study)
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
    notifications.event_notify(event)  # to the outbox, in this transaction
    return revision


def _decide(actor: User, revision: CaseRevision) -> CaseRevision:
    revision = revision_locked(revision)  # case row first, then the revision
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
    case_study = revision.case_study  # locked by _decide, before the revision
    if case_study.version != revision.base_version:
        # Applying the proposal would silently undo what changed on the case since.
        raise TransitionRefused(
            "The published case changed since this revision was started. Refuse the revision "
            "and ask its organisation to start a new one from the current text."
        )
    before = case_content(case_study)
    data = revision.data
    for field, value in data["fields"].items():
        setattr(case_study, field, decode(field, value))
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
    case_change_record(case_study)
    notifications.event_notify(event)  # to the outbox, in this transaction
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
    notifications.event_notify(event)  # to the outbox, in this transaction
    return revision
