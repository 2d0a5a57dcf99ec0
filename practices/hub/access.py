"""Access requests for discoverable AMBER cases: asking, deciding, withdrawing.

A member of another organisation sees the stub of a discoverable case
(``CaseStudyQuerySet.discoverable_by``) and asks for access with a reason. The originating
organisation's admins grant it — their organisation adds the requester as a recipient through
``case_study_recipient_add``, the same record as any recipient change (audit, feed entry,
webhook events), and the new recipient is mailed as recipients are — or decline it with a note.
The requester's organisation may withdraw a request while it waits.

Lock order, in every service here: **the case row first** (``case_locked``, as everywhere in
practices, see ``practices.cases.locking``), **then the access request**. Granting writes to the
case (its recipients) after reading the request, and creating a request reads the case's
state; taking the two locks in one order means two admins deciding at once, or a decision
racing a withdrawal, queue on the case row, and the second one finds the request no longer
pending and is told who decided it — it never deadlocks, and never grants twice.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, person_of
from practices.cases.locking import case_locked
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_acts_for, actor_owns
from practices.cases.services import case_study_recipient_add
from practices.exceptions import AccessRequestRefused, Gone, PracticesError
from practices.hub import access_notifications as notifications
from practices.hub.models import ACCESS_NOTE_MAX, ACCESS_REASON_MAX, AccessRequest
from practices.moderation.notifications import recipients_notify

Status = AccessRequest.Status


def _organisation_of(actor):
    """The active organisation the actor acts for, or None (visitor, deactivated person,
    person of an inactive organisation)."""
    organisation = getattr(actor, "organisation", None)
    if organisation is None or not actor_acts_for(actor, organisation.pk):
        return None
    return organisation


def _clean_text(text: str, *, limit: int, missing: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if missing is not None and not text:
        raise AccessRequestRefused(missing)
    if len(text) > limit:
        raise AccessRequestRefused(
            _("Too long: at most %(limit)s characters. Shorten it and send again.")
            % {"limit": f"{limit:,}"}
        )
    return text


def access_request_refusal(*, actor, case_study: CaseStudy) -> str | None:
    """Why this actor's organisation may not ask for access to this case, in words; None when
    it may. Checked again, under the case lock, by ``access_request_create``."""
    organisation = _organisation_of(actor)
    if organisation is None:
        return _("Sign in as a member of an active organisation to ask for access.")
    if actor_owns(actor, case_study):
        return _("This is your organisation's own case: you can read it already.")
    if case_study.recipients.filter(pk=organisation.pk).exists():
        return _("Your organisation is a recipient of this case already: you can read it.")
    if case_study.tlp == CaseStudy.TLP.AMBER_STRICT:
        return _(
            "TLP:AMBER+STRICT cases are never shared onward, so access to them cannot be requested."
        )
    if case_study.status != CaseStudy.Status.PUBLISHED:
        return _("Only published cases can be asked for.")
    if case_study.tlp != CaseStudy.TLP.AMBER or not case_study.discoverable:
        return _("This case is not offered for access requests.")
    return None


@transaction.atomic
def access_request_create(*, actor: User, case_study: CaseStudy, reason: str) -> AccessRequest:
    """Ask, for the actor's organisation, to become a recipient of a discoverable AMBER case.

    Refused, with nothing saved: visitors; the originating organisation; an organisation that
    is a recipient already; AMBER+STRICT, unpublished or non-discoverable cases; a second
    pending request of the same organisation for the same case (also held by a partial unique
    constraint, for two members asking at the same moment); an empty or too long reason.
    Pages reach this only for cases in ``discoverable_by(actor)``; for any other case they
    answer 404 before, so these messages never tell anyone that a hidden case exists.
    """
    reason = _clean_text(
        reason,
        limit=ACCESS_REASON_MAX,
        missing=_("Say why your organisation needs this case: a reason is required."),
    )
    case_study = case_locked(case_study.pk)  # lock order: the case row first
    refusal = access_request_refusal(actor=actor, case_study=case_study)
    if refusal:
        raise AccessRequestRefused(refusal)
    organisation = actor.organisation
    existing = (
        AccessRequest.objects.filter(
            case_study=case_study, organisation=organisation, status=Status.PENDING
        )
        .select_related("requested_by")
        .first()
    )
    if existing is not None:
        raise AccessRequestRefused(_already_pending(existing))
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(
                case_study=case_study,
                organisation=organisation,
                requested_by=person_of(actor),
                reason=reason,
            )
    except IntegrityError:  # another member's request committed first
        raise AccessRequestRefused(
            _("Someone in your organisation asked for this case a moment ago; wait for the answer.")
        ) from None
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=access_request,
        changes={
            "access request": [None, f"{organisation.name} asked for access"],
            "status": [None, Status.PENDING.value],
            # The reason and the decision note are written to the other organisation only:
            # the trail, which moderators read for every case, records that they exist.
            "reason": [None, f"given ({len(reason)} characters)"],
        },
        organisation=organisation,
        case_study=case_study,
    )
    notifications.access_request_created_notify(access_request)
    return access_request


def _already_pending(existing: AccessRequest) -> str:
    return _(
        "Your organisation asked for this case on %(date)s; the request waits for a decision."
    ) % {"date": date_format(timezone.localtime(existing.created_at), "DATE_FORMAT")}


def _locked(access_request: AccessRequest) -> AccessRequest:
    """The request re-read under lock, after its case (the order in the module docstring).
    ``Gone`` (404) if either was deleted meanwhile."""
    case_study = case_locked(access_request.case_study_id)
    locked = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("organisation", "requested_by", "decided_by")
        .filter(pk=access_request.pk)
        .first()
    )
    if locked is None:
        raise Gone("This access request no longer exists.")
    locked.case_study = case_study
    return locked


def _require_pending(access_request: AccessRequest, *, deciding: bool) -> None:
    """Refuse a move on a request that is no longer pending. Only the deciding side (the
    originating organisation's admins) is told who decided: the requester must not learn a
    person of an organisation that may have chosen to stay anonymous."""
    if access_request.status == Status.PENDING:
        return
    if access_request.status == Status.WITHDRAWN:
        raise AccessRequestRefused(
            _("This request was withdrawn by the organisation that made it; nothing to decide.")
        )
    when = date_format(timezone.localtime(access_request.decided_at), "DATETIME_FORMAT")
    granted = access_request.status == Status.GRANTED
    if not deciding:
        raise AccessRequestRefused(
            (
                _("This request was granted on %(date)s; there is nothing to withdraw.")
                if granted
                else _("This request was declined on %(date)s; there is nothing to withdraw.")
            )
            % {"date": when}
        )
    who = access_request.decided_by
    words = (
        _("This request was granted by %(person)s on %(date)s; nothing more to decide.")
        if granted
        else _("This request was declined by %(person)s on %(date)s; nothing more to decide.")
    )
    raise AccessRequestRefused(
        words % {"person": who.get_full_name() if who else _("someone"), "date": when}
    )


def may_decide(actor, access_request: AccessRequest) -> bool:
    """Only admins of the originating organisation decide (not its members, not moderators,
    not the requester)."""
    return bool(getattr(actor, "is_org_admin", False)) and actor_acts_for(
        actor, access_request.case_study.organisation_id
    )


def _decide(actor: User, access_request: AccessRequest, note: str) -> AccessRequest:
    access_request = _locked(access_request)
    if not may_decide(actor, access_request):
        raise PermissionDenied(_("Only an admin of the originating organisation decides."))
    _require_pending(access_request, deciding=True)
    access_request.decided_by = person_of(actor)
    access_request.decided_at = timezone.now()
    access_request.decision_note = note
    return access_request


@transaction.atomic
def access_request_grant(
    *, actor: User, access_request: AccessRequest, note: str = ""
) -> AccessRequest:
    """Grant: the requesting organisation becomes a recipient of the case (audited, feed
    entry, webhook events, the recipients' mail), and both sides are told."""
    note = _clean_text(note, limit=ACCESS_NOTE_MAX, missing=None)
    access_request = _decide(actor, access_request, note)
    organisation = access_request.organisation
    if not organisation.is_active:
        raise AccessRequestRefused(
            _("%(organisation)s is no longer active; decline the request instead.")
            % {"organisation": organisation.name}
        )
    try:
        case_study_recipient_add(
            actor=actor, case_study=access_request.case_study, organisation=organisation
        )
    except PracticesError as exc:
        raise AccessRequestRefused(
            _("The request cannot be granted: %(reason)s Decline it instead.") % {"reason": exc}
        ) from None
    access_request.status = Status.GRANTED
    access_request.save()
    _audit_decision(actor, access_request)
    told = notifications.access_request_decided_notify(access_request)
    recipients_notify(
        access_request.case_study, organisation_ids=[organisation.pk], already_told=told
    )
    return access_request


@transaction.atomic
def access_request_decline(
    *, actor: User, access_request: AccessRequest, note: str
) -> AccessRequest:
    """Decline with a note (required: the requester is told why); nothing else changes."""
    note = _clean_text(
        note,
        limit=ACCESS_NOTE_MAX,
        missing=_("Say why the request is declined: a note is required."),
    )
    access_request = _decide(actor, access_request, note)
    access_request.status = Status.DECLINED
    access_request.save()
    _audit_decision(actor, access_request)
    notifications.access_request_decided_notify(access_request)
    return access_request


def _audit_decision(actor: User, access_request: AccessRequest) -> None:
    status = access_request.status
    changes = {
        "access request": [
            f"{access_request.organisation.name} asked for access",
            f"{status} to {access_request.organisation.name}",
        ],
        "status": [Status.PENDING.value, status],
    }
    if access_request.decision_note:
        changes["note"] = [None, f"given ({len(access_request.decision_note)} characters)"]
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STATUS,
        obj=access_request,
        changes=changes,
        organisation=getattr(actor, "organisation", None),
        case_study=access_request.case_study,
    )


def may_withdraw(actor, access_request: AccessRequest) -> bool:
    """Any member of the requesting organisation may withdraw its request."""
    return actor_acts_for(actor, access_request.organisation_id)


@transaction.atomic
def access_request_withdraw(*, actor: User, access_request: AccessRequest) -> AccessRequest:
    """The requesting organisation takes back a request that waits for a decision."""
    access_request = _locked(access_request)
    if not may_withdraw(actor, access_request):
        raise PermissionDenied(_("Only the organisation that asked may withdraw its request."))
    _require_pending(access_request, deciding=False)
    access_request.status = Status.WITHDRAWN
    access_request.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STATUS,
        obj=access_request,
        changes={
            "access request": [
                f"{access_request.organisation.name} asked for access",
                f"withdrawn by {access_request.organisation.name}",
            ],
            "status": [Status.PENDING.value, Status.WITHDRAWN.value],
        },
        organisation=access_request.organisation,
        case_study=access_request.case_study,
    )
    notifications.access_request_withdrawn_notify(access_request)
    return access_request
