"""The moderation workflow: one table of allowed transitions and the services that apply it.

    draft ──submit──▶ submitted ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                 │   │
      └─ changes_requested ◀─request changes
                        └──reject──▶ rejected

Every service locks the case row (SELECT … FOR UPDATE), checks the current status and the
actor's role against the table, writes the change and a ModerationEvent, and stores the mail
in the e-mail outbox in the same transaction (sent after commit). Two moderators acting at
once are serialised by the lock: the second sees the new status and is told what happened
instead of acting twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between, person_of
from practices.cases.changes import case_change_record
from practices.cases.locking import case_locked
from practices.cases.models import CaseRevision, CaseStudy, ModerationEvent
from practices.cases.querysets import actor_moderates, actor_owns
from practices.cases.revisions import case_content
from practices.cases.services import case_study_missing, terms_held
from practices.exceptions import IncompleteCase, TransitionRefused
from practices.moderation import notifications
from practices.moderation.models import Approval
from practices.vocabularies.models import Term

Status = CaseStudy.Status


class Role(Enum):
    ORIGINATOR = "a member of the originating organisation"
    MODERATOR = "a moderator from another organisation"
    ORIGINATOR_ADMIN_OR_MODERATOR = "an admin of the originating organisation or a moderator"


@dataclass(frozen=True)
class Transition:
    name: str
    verb: str
    sources: frozenset[str]
    target: str
    role: Role
    needs_comment: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "submitted",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}),
            Status.SUBMITTED,
            Role.ORIGINATOR,
        ),
        Transition(
            "request_changes",
            "returned for changes",
            frozenset({Status.SUBMITTED}),
            Status.CHANGES_REQUESTED,
            Role.MODERATOR,
            needs_comment=True,
        ),
        Transition(
            "publish",
            "published",
            frozenset({Status.SUBMITTED}),
            Status.PUBLISHED,
            Role.MODERATOR,
        ),
        Transition(
            "reject",
            "rejected",
            frozenset({Status.SUBMITTED}),
            Status.REJECTED,
            Role.MODERATOR,
            needs_comment=True,
        ),
        Transition(
            "withdraw",
            "withdrawn",
            frozenset({Status.PUBLISHED}),
            Status.WITHDRAWN,
            Role.ORIGINATOR_ADMIN_OR_MODERATOR,
            needs_comment=True,
        ),
    ]
}


def has_role(actor: User, case_study: CaseStudy, role: Role) -> bool:
    if not actor.is_active:
        return False
    own = actor_owns(actor, case_study)
    if role is Role.ORIGINATOR:
        return own
    if role is Role.MODERATOR:
        # A moderator never acts on a case from their own organisation.
        return actor_moderates(actor) and not own
    return (own and actor.is_org_admin) or actor_moderates(actor)


def allowed(actor: User, case_study: CaseStudy, name: str) -> bool:
    """Whether the table lets this actor make this move now; pages offer only these."""
    transition = TRANSITIONS[name]
    return case_study.status in transition.sources and has_role(actor, case_study, transition.role)


# Whole sentences per transition, so that each language can word them its own way: who may make
# the transition, why the case's status refuses it, and the missing comment.
REFUSALS = {
    "submit": {
        "role": _("Only a member of the originating organisation can submit this case."),
        "status": _("This case is %(status)s now, so it cannot be submitted.%(last)s"),
    },
    "request_changes": {
        "role": _("Only a moderator from another organisation can return this case for changes."),
        "status": _("This case is %(status)s now, so it cannot be returned for changes.%(last)s"),
        "comment": _("Say why the case is returned for changes: a comment is required."),
    },
    "publish": {
        "role": _("Only a moderator from another organisation can publish this case."),
        "status": _("This case is %(status)s now, so it cannot be published.%(last)s"),
    },
    "reject": {
        "role": _("Only a moderator from another organisation can reject this case."),
        "status": _("This case is %(status)s now, so it cannot be rejected.%(last)s"),
        "comment": _("Say why the case is rejected: a comment is required."),
    },
    "withdraw": {
        "role": _(
            "Only an admin of the originating organisation or a moderator can withdraw this case."
        ),
        "status": _("This case is %(status)s now, so it cannot be withdrawn.%(last)s"),
        "comment": _("Say why the case is withdrawn: a comment is required."),
    },
}


def approvals_needed(case_study: CaseStudy) -> int:
    return max(1, settings.MODERATION_APPROVALS.get(case_study.tlp, 1))


def _last_change(case_study: CaseStudy) -> str:
    event = (
        case_study.events.filter(kind=ModerationEvent.Kind.TRANSITION)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None or event.actor is None:
        return ""
    status = event.get_to_status_display().lower()
    made = _("%(person)s made it %(status)s %(time)s ago.") % {
        "person": event.actor,
        "status": status,
        "time": timesince(event.created_at),
    }
    return f" {made}"


def _check(actor: User, case_study: CaseStudy, transition: Transition, comment: str) -> None:
    if not has_role(actor, case_study, transition.role):
        if transition.role is Role.MODERATOR and actor.is_moderator:
            raise TransitionRefused(
                _(
                    "You cannot moderate a case from your own organisation; "
                    "another moderator must review it."
                )
            )
        raise TransitionRefused(REFUSALS[transition.name]["role"])
    if case_study.status not in transition.sources:
        raise TransitionRefused(
            REFUSALS[transition.name]["status"]
            % {"status": case_study.get_status_display().lower(), "last": _last_change(case_study)}
        )
    if transition.needs_comment and not comment.strip():
        raise TransitionRefused(REFUSALS[transition.name]["comment"])


def _move(
    *, actor: User, case_study: CaseStudy, transition: Transition, comment: str, **extra
) -> ModerationEvent:
    previous = case_study.status
    case_study.status = transition.target
    case_study.claimed_by = None
    case_study.claimed_at = None
    for field, value in extra.items():
        setattr(case_study, field, value)
    case_study.version = F("version") + 1
    case_study.save()
    case_study.refresh_from_db()
    event = ModerationEvent.objects.create(
        case_study=case_study,
        actor=person_of(actor),
        from_status=previous,
        to_status=transition.target,
        comment=comment.strip(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STATUS,
        obj=case_study,
        changes={"status": [previous, transition.target]},
        organisation=getattr(actor, "organisation", None),
    )
    case_change_record(case_study)
    # Written to the e-mail outbox in this transaction and sent after commit: a broker
    # outage can no longer turn a done move into an error, nor lose the mail.
    notifications.event_notify(event)
    if transition.target == Status.PUBLISHED:
        # Recipient organisations of an AMBER case learn that it was shared with them.
        notifications.recipients_notify(case_study)
    return event


def _locked(case_study: CaseStudy) -> CaseStudy:
    # The case row is always locked first, before any of its revisions (see
    # practices.cases.locking); a case deleted meanwhile answers 404 (Gone).
    return case_locked(case_study.pk)


@transaction.atomic
def case_study_submit(*, actor: User, case_study: CaseStudy) -> CaseStudy:
    """Send a complete draft, or a case returned for changes, to the moderators."""
    case_study = _locked(case_study)
    _check(actor, case_study, TRANSITIONS["submit"], "")
    missing = case_study_missing(case_study)
    if missing:
        raise IncompleteCase(missing)
    _move(
        actor=actor,
        case_study=case_study,
        transition=TRANSITIONS["submit"],
        comment="",
        submitted_at=timezone.now(),
        submission_round=F("submission_round") + 1,
    )
    return case_study


@transaction.atomic
def case_study_request_changes(*, actor: User, case_study: CaseStudy, comment: str) -> CaseStudy:
    """Return a submission to its organisation with what to change (comment required)."""
    case_study = _locked(case_study)
    _check(actor, case_study, TRANSITIONS["request_changes"], comment)
    # The content as the moderator read it, so that the review of the resubmission shows
    # what changed since (practices.moderation.selectors.resubmission_diff).
    snapshot = case_content(case_study)
    event = _move(
        actor=actor,
        case_study=case_study,
        transition=TRANSITIONS["request_changes"],
        comment=comment,
    )
    event.details = {"snapshot": snapshot}
    event.save(update_fields=["details"])
    return case_study


@transaction.atomic
def case_study_approve(*, actor: User, case_study: CaseStudy, comment: str = "") -> bool:
    """Approve a submission; it is published once enough different moderators approved.

    The number needed is set per TLP (MODERATION_APPROVALS, default 1). Approvals count within
    one submission round, so a resubmitted case needs fresh ones. Returns True when the case
    was published by this approval.
    """
    case_study = _locked(case_study)
    transition = TRANSITIONS["publish"]
    _check(actor, case_study, transition, comment)
    if Approval.objects.filter(
        case_study=case_study, round=case_study.submission_round, moderator=actor
    ).exists():
        raise TransitionRefused(
            "You have already approved this submission. A different moderator must give the "
            "next approval (four-eyes)."
        )
    Approval.objects.create(
        case_study=case_study, round=case_study.submission_round, moderator=actor
    )
    given = Approval.objects.filter(
        case_study=case_study, round=case_study.submission_round
    ).count()
    needed = approvals_needed(case_study)
    if given < needed:
        ModerationEvent.objects.create(
            case_study=case_study,
            kind=ModerationEvent.Kind.APPROVAL,
            actor=actor,
            comment=comment.strip(),
            details={"given": given, "needed": needed},
        )
        return False
    _move(
        actor=actor,
        case_study=case_study,
        transition=transition,
        comment=comment,
        published_at=case_study.published_at or timezone.now(),
    )
    return True


@transaction.atomic
def case_study_reject(*, actor: User, case_study: CaseStudy, comment: str) -> CaseStudy:
    """Refuse a submission for good, with the reason (required)."""
    case_study = _locked(case_study)
    _check(actor, case_study, TRANSITIONS["reject"], comment)
    _move(actor=actor, case_study=case_study, transition=TRANSITIONS["reject"], comment=comment)
    return case_study


@transaction.atomic
def case_study_withdraw(*, actor: User, case_study: CaseStudy, comment: str) -> CaseStudy:
    """Take a published case back; from then on only its organisation and moderators see it.

    An open revision is rejected with it.
    """
    case_study = _locked(case_study)
    _check(actor, case_study, TRANSITIONS["withdraw"], comment)
    # Revision rows are locked by this UPDATE only now, after the case row: the one lock
    # order of practices.cases.locking, which revision_approve/reject follow too.
    CaseRevision.objects.filter(case_study=case_study, status__in=CaseRevision.OPEN).update(
        status=CaseRevision.Status.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        comment="The case was withdrawn.",
    )
    _move(
        actor=actor,
        case_study=case_study,
        transition=TRANSITIONS["withdraw"],
        comment=comment,
        withdrawn_at=timezone.now(),
    )
    return case_study


def require_moderator_for(actor: User, case_study: CaseStudy) -> None:
    if not has_role(actor, case_study, Role.MODERATOR):
        raise TransitionRefused(
            "Only a moderator from another organisation can do this."
            if not actor.is_moderator
            else "You cannot moderate a case from your own organisation."
        )


def _claimable(case_study: CaseStudy) -> bool:
    return (
        case_study.status == Status.SUBMITTED
        or case_study.revisions.filter(status=CaseRevision.Status.PENDING).exists()
    )


@transaction.atomic
def case_study_claim(*, actor: User, case_study: CaseStudy) -> CaseStudy:
    """Mark a waiting item as being reviewed by this moderator, so others leave it be."""
    case_study = _locked(case_study)
    require_moderator_for(actor, case_study)
    if not _claimable(case_study):
        raise TransitionRefused("Nothing about this case is waiting for review.")
    if case_study.claimed_by_id and case_study.claimed_by_id != actor.pk:
        raise TransitionRefused(
            f"{case_study.claimed_by} claimed this {timesince(case_study.claimed_at)} ago."
        )
    case_study.claimed_by = actor
    case_study.claimed_at = timezone.now()
    case_study.save(update_fields=["claimed_by", "claimed_at"])
    return case_study


@transaction.atomic
def case_study_unclaim(*, actor: User, case_study: CaseStudy) -> CaseStudy:
    """Release a claim (one's own, or a colleague's who is away)."""
    case_study = _locked(case_study)
    require_moderator_for(actor, case_study)
    if case_study.claimed_by_id and case_study.claimed_by_id != actor.pk:
        ModerationEvent.objects.create(
            case_study=case_study,
            kind=ModerationEvent.Kind.CLAIM,
            actor=actor,
            comment=f"Released the claim held by {case_study.claimed_by}.",
        )
    case_study.claimed_by = None
    case_study.claimed_at = None
    case_study.save(update_fields=["claimed_by", "claimed_at"])
    return case_study


def can_comment(actor: User, case_study: CaseStudy) -> bool:
    """The thread is shared by the originating organisation and the moderators."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor_owns(actor, case_study):
        return case_study.status != Status.DRAFT
    return actor_moderates(actor) and case_study.status != Status.DRAFT


@transaction.atomic
def case_study_comment(*, actor: User, case_study: CaseStudy, body: str) -> ModerationEvent:
    """Add a comment to the case's thread."""
    if not can_comment(actor, case_study):
        raise TransitionRefused(
            "Only the originating organisation and the moderators can comment, once submitted."
        )
    if not body.strip():
        raise TransitionRefused("Write a comment first.")
    return ModerationEvent.objects.create(
        case_study=case_study, kind=ModerationEvent.Kind.COMMENT, actor=actor, comment=body.strip()
    )


@transaction.atomic
def case_study_retag(
    *, actor: User, case_study: CaseStudy, terms: dict[str, list[Term]], comment: str = ""
) -> CaseStudy:
    """A moderator corrects the tags of a case under review or published; recorded in history."""
    case_study = _locked(case_study)
    require_moderator_for(actor, case_study)
    if case_study.status not in (Status.SUBMITTED, Status.PUBLISHED):
        raise TransitionRefused("Tags can be corrected on submitted and published cases only.")
    carried = list(case_study.terms.select_related("taxonomy"))
    # After the case row, as every save of tags does.
    terms = terms_held(terms, linked=[t.pk for t in carried])
    before = sorted(f"{t.taxonomy.slug}:{t.code}" for t in carried)
    through = CaseStudy.terms.through
    keep = [t.pk for chosen in terms.values() for t in chosen]
    through.objects.filter(
        casestudy_id=case_study.pk, term__taxonomy__slug__in=list(terms)
    ).exclude(term_id__in=keep).delete()
    case_study.terms.add(*keep)
    after = sorted(
        f"{t.taxonomy.slug}:{t.code}" for t in case_study.terms.select_related("taxonomy")
    )
    if before == after:
        return case_study
    CaseStudy.objects.filter(pk=case_study.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    ModerationEvent.objects.create(
        case_study=case_study,
        kind=ModerationEvent.Kind.TAGS,
        actor=actor,
        comment=comment.strip(),
        details={"added": added, "removed": removed},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case_study,
        changes=changes_between({"terms": before}, {"terms": after}),
        organisation=actor.organisation,
    )
    case_study.refresh_from_db()
    _retag_open_revision(case_study, added_ids=set(keep), chosen=terms)
    case_change_record(case_study)
    return case_study


def _retag_open_revision(case_study: CaseStudy, *, added_ids: set[int], chosen: dict) -> None:
    """Carry a tag correction into an open revision, so approving it later does not undo it."""
    revision = case_study.revisions.filter(status__in=CaseRevision.OPEN).first()
    if revision is None:
        return
    corrected = set(
        Term.objects.filter(taxonomy__slug__in=list(chosen)).values_list("pk", flat=True)
    )
    proposed = sorted(revision.data["terms"])
    revision.data["terms"] = sorted((set(proposed) - corrected) | added_ids)
    revision.base_version = case_study.version
    changed = ["data", "base_version"]
    if revision.data["terms"] != proposed:
        # The proposal changed under the member's form, opened before and showing the old
        # tags: saving it is refused as stale rather than putting them back (as a keyword
        # rename or merge does). The case row, locked above, orders this with their save.
        revision.version = F("version") + 1
        changed.append("version")
    revision.save(update_fields=changed)
