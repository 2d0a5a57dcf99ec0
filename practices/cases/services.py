"""Every write to a case study's content: drafting, editing, deleting a draft, attachments.

Moving a case through the workflow (submit, publish, …) is ``practices.moderation.transitions``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between, person_of
from practices.cases.attachments import (
    ALLOWED_DESCRIPTION,
    content_problem,
    detect_content_type,
    shorten_filename,
)
from practices.cases.changes import case_change_record
from practices.cases.locking import case_locked
from practices.cases.models import (
    Attachment,
    CaseRevision,
    CaseStudy,
    ModerationEvent,
    Reference,
)
from practices.cases.querysets import actor_owns
from practices.exceptions import AttachmentRefused, Gone, PracticesError, StaleEdit
from practices.vocabularies.labels import content_language_default
from practices.vocabularies.models import Taxonomy, Term

Status = CaseStudy.Status
_CONCRETE = [f.attname for f in CaseStudy._meta.concrete_fields]


def _require_own_editable(actor: User, case_study: CaseStudy) -> None:
    if not actor_owns(actor, case_study):
        # Views look cases up through visible_to and the actor's organisation first, so this
        # only fires on misuse; it guards the service itself.
        raise PermissionDenied(_("Only the originating organisation may edit this case."))
    if not case_study.is_editable:
        raise PracticesError(
            f"This case is {case_study.get_status_display().lower()} and cannot be edited now."
        )


def _snapshot(case_study: CaseStudy, fields) -> dict[str, Any]:
    return {field: getattr(case_study, field) for field in fields}


def _term_codes(case_study: CaseStudy) -> list[str]:
    return sorted(
        f"{slug}:{code}" for slug, code in case_study.terms.values_list("taxonomy__slug", "code")
    )


@transaction.atomic
def case_study_create(
    *,
    actor: User,
    title: str,
    tlp: str = CaseStudy.TLP.AMBER,
    language: str | None = None,
    filled_next: bool = False,
) -> CaseStudy:
    """Start a draft for the actor's organisation; only its members see it until submitted.

    ``language`` is the writer's interface language (the page passes the request's); without
    it, the person's language preference, else English, is presumed to be the case's.
    ``filled_next``: ``case_study_update`` fills the draft in the same transaction and writes
    its feed entry; none is written here, so that the feed's lock, taken by every write last,
    is not held while that update waits for the terms it links (``terms_held``)."""
    if actor.organisation_id is None:
        raise PermissionDenied(_("Only members of an organisation write case studies."))
    case_study = CaseStudy(
        organisation=actor.organisation,
        created_by=person_of(actor),
        title=title,
        tlp=tlp,
        language=content_language_default(language or getattr(actor, "language", "")),
    )
    case_study.full_clean()
    case_study.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=case_study,
        changes={"title": [None, title], "status": [None, Status.DRAFT]},
    )
    ModerationEvent.objects.create(
        case_study=case_study, actor=person_of(actor), to_status=Status.DRAFT
    )
    if not filled_next:
        case_change_record(case_study)
    return case_study


def keywords_to_terms(text: str) -> list[Term]:
    """Free keywords typed as "a, b, c" become terms of the keyword taxonomy (made on demand)."""
    taxonomy, _created = Taxonomy.objects.get_or_create(
        slug="keyword", defaults={"name": "Keyword", "source": "free keywords", "position": 90}
    )
    terms = []
    for label in dict.fromkeys(part.strip() for part in text.split(",")):
        if not label:
            continue
        code = slugify(label)[:64] or label[:64]
        term, _created = Term.objects.get_or_create(
            taxonomy=taxonomy, code=code, defaults={"label": label[:200]}
        )
        terms.append(term)
    return terms


def terms_held(
    terms: dict[str, list[Term]], *, linked: Iterable[int] = ()
) -> dict[str, list[Term]]:
    """``terms`` (by taxonomy slug) as they stand now, those not ``linked`` already held until
    the transaction ends, so that linking them cannot fail. Call it after locking the case row.

    Only keywords are ever deleted: a moderator merging one deletes it
    (``practices.moderation.keywords``), perhaps after a form's keywords were read and before
    its save commits. On PostgreSQL the terms this save newly links are held FOR KEY SHARE,
    after the case row: a merge that holds the keyword waits for nothing this save holds, and
    one that has not yet taken it waits for this save, then finds the case tagged and retags
    it; other saves holding the same keyword do not wait for each other. The terms the case
    (or the revision) already carries are not held: a merge has locked, or will wait for, the
    case row for those, and holding them too could close a circle with a merge that locks the
    cases again after its terms. SQLite has one writer at a time and no row locks: a merge
    that commits between this read and this transaction's first write makes that write fail
    ("database is locked"), so a deleted term is never linked there either.

    A keyword merged away before this is made again from its label, as if typed now: a form
    sent a moment later would make it anyway.
    """
    already = set(linked)
    ids = sorted({term.pk for chosen in terms.values() for term in chosen} - already)
    if not ids:
        return terms
    present = _terms_present(ids) | already
    if all(term.pk in present for chosen in terms.values() for term in chosen):
        return terms
    held = {}
    for slug, chosen in terms.items():
        gone = [term.label for term in chosen if term.pk not in present]
        remade = keywords_to_terms(", ".join(gone)) if gone and slug == "keyword" else []
        held[slug] = [term for term in chosen if term.pk in present] + remade
    return held


def _terms_present(ids: list[int]) -> set[int]:
    if connection.vendor != "postgresql":
        return set(Term.objects.filter(pk__in=ids).values_list("pk", flat=True))
    # FOR KEY SHARE has no ORM spelling (select_for_update takes the stronger locks only).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM practices_term WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [ids]
        )
        return {row[0] for row in cursor.fetchall()}


@transaction.atomic
def case_study_update(
    *,
    actor: User,
    case_study: CaseStudy,
    expected_version: int,
    fields: dict[str, Any] | None = None,
    terms: dict[str, list[Term]] | None = None,
    recipients: list[Organisation] | None = None,
    references: list[dict[str, str]] | None = None,
) -> CaseStudy:
    """Save one section of a draft, unless someone else saved it since ``expected_version``.

    The version check and the update are one conditional UPDATE, so of two people saving at
    once exactly one wins and the other gets ``StaleEdit`` with nothing changed.
    ``terms`` replaces the case's terms of the named taxonomies only.
    """
    # Forms may have changed the instance in memory; the stored row is the "before".
    case_study = CaseStudy.objects.select_related("organisation").get(pk=case_study.pk)
    _require_own_editable(actor, case_study)
    fields = undiscoverable_unless_amber(fields or {}, case_study)
    candidate = CaseStudy(**{**_snapshot(case_study, _CONCRETE), **fields})
    candidate.full_clean(exclude=["uuid", "organisation", "created_by"], validate_unique=False)
    if recipients is not None and case_study.organisation in recipients:
        recipients = [o for o in recipients if o.pk != case_study.organisation_id]

    before = _snapshot(case_study, fields)
    before_terms = _term_codes(case_study) if terms is not None else None
    before_recipients = (
        sorted(case_study.recipients.values_list("name", flat=True))
        if recipients is not None
        else None
    )

    updated = CaseStudy.objects.filter(pk=case_study.pk, version=expected_version).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        current = (
            CaseStudy.objects.filter(pk=case_study.pk).values_list("version", flat=True).first()
        )
        if current is None:  # deleted while this save waited for the row
            raise Gone("This case study no longer exists.")
        raise StaleEdit(current_version=current)

    if terms is not None:
        # After the case row, which the UPDATE above locked.
        terms = terms_held(terms, linked=case_study.terms.values_list("pk", flat=True))
        slugs = list(terms)
        keep = [t.pk for chosen in terms.values() for t in chosen]
        through = CaseStudy.terms.through
        through.objects.filter(casestudy_id=case_study.pk, term__taxonomy__slug__in=slugs).exclude(
            term_id__in=keep
        ).delete()
        case_study.terms.add(*keep)
    if recipients is not None:
        case_study.recipients.set(recipients)
    if references is not None:
        case_study.references.all().delete()
        Reference.objects.bulk_create(
            Reference(case_study=case_study, position=i, **ref) for i, ref in enumerate(references)
        )

    case_study.refresh_from_db()
    changes = changes_between(before, _snapshot(case_study, fields))
    if terms is not None:
        changes |= changes_between({"terms": before_terms}, {"terms": _term_codes(case_study)})
    if recipients is not None:
        after_recipients = sorted(case_study.recipients.values_list("name", flat=True))
        changes |= changes_between(
            {"recipients": before_recipients}, {"recipients": after_recipients}
        )
    if references is not None:
        changes["references"] = [None, [r["url"] for r in references]]
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=case_study, changes=changes)
    case_change_record(case_study)
    return case_study


def undiscoverable_unless_amber(fields: dict[str, Any], case_study: CaseStudy) -> dict[str, Any]:
    """Changing the TLP away from AMBER clears ``discoverable`` (rather than refusing the save):
    AMBER+STRICT is never offered onward, and CLEAR and GREEN cases are readable anyway. The
    case form refuses the combination itself, with a message; this covers every other path
    (the API, revisions)."""
    tlp = fields.get("tlp", case_study.tlp)
    if tlp != CaseStudy.TLP.AMBER and (fields.get("discoverable") or case_study.discoverable):
        return {**fields, "discoverable": False}
    return fields


@transaction.atomic
def case_study_recipient_add(
    *, actor: User, case_study: CaseStudy, organisation: Organisation
) -> CaseStudy:
    """Name one more recipient organisation on a published AMBER case (an access request was
    granted); the same record as any recipient change: audited, a feed entry and the webhook
    events of ``case_change_record`` in this transaction.

    The caller holds the case row lock (``case_locked``). The case's version is not raised:
    its text did not change, and an open revision must stay approvable. The organisation is
    added to that revision's recipients too, so approving it later does not take the access
    away again. Telling the new recipient is the caller's (moderation.notifications).
    """
    if case_study.status != Status.PUBLISHED or case_study.tlp != CaseStudy.TLP.AMBER:
        raise PracticesError(_("Only a published TLP:AMBER case can be shared this way."))
    if organisation.pk == case_study.organisation_id:
        raise PracticesError(_("The originating organisation reads its own case already."))
    before = sorted(case_study.recipients.values_list("name", flat=True))
    if organisation.name in before:
        raise PracticesError(
            _("%(organisation)s is a recipient of this case already.")
            % {"organisation": organisation.name}
        )
    case_study.recipients.add(organisation)
    CaseStudy.objects.filter(pk=case_study.pk).update(updated_at=timezone.now())
    # The case row is locked, so its open revision (locked second, as everywhere) cannot
    # change under us.
    for revision in case_study.revisions.select_for_update().filter(status__in=CaseRevision.OPEN):
        if organisation.pk not in revision.data["recipients"]:
            revision.data["recipients"] = sorted([*revision.data["recipients"], organisation.pk])
            revision.save(update_fields=["data"])
    case_study.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=case_study,
        changes=changes_between(
            {"recipients": before},
            {"recipients": sorted(case_study.recipients.values_list("name", flat=True))},
        ),
        organisation=getattr(actor, "organisation", None),
    )
    case_change_record(case_study)
    return case_study


def case_study_missing(
    case_study: CaseStudy, *, term_ids: list[int] | None = None, recipient_ids=None
) -> list[str]:
    """What a case still needs before it can be submitted, in the words the form uses.

    ``term_ids`` and ``recipient_ids`` stand in for the stored relations when checking a
    proposal that is not saved on the case (a revision).
    """
    missing = []
    for field, words in [
        ("summary", _("a summary")),
        ("incident", _("a description of what was spread (Incident)")),
        ("response", _("a description of what was done (Response)")),
        ("outcome", _("a description of what changed (Outcome)")),
        ("lessons", _("lessons learned (Outcome)")),
    ]:
        if not getattr(case_study, field).strip():
            missing.append(words)
    if not case_study.incident_start:
        missing.append(_("when the incident started (Incident)"))
    terms = Term.objects.filter(pk__in=term_ids) if term_ids is not None else case_study.terms
    slugs = set(terms.values_list("taxonomy__slug", flat=True))
    for slug, words in [
        ("disarm-red", _("at least one DISARM technique (Incident)")),
        ("country", _("at least one country targeted (Incident)")),
        ("region", _("a region (Incident)")),
    ]:
        if slug not in slugs:
            missing.append(words)
    if case_study.effectiveness != CaseStudy.Effectiveness.NOT_ASSESSED and not case_study.evidence:
        missing.append(
            _("what the effectiveness rating rests on: measured, observed or anecdotal (Outcome)")
        )
    if case_study.tlp == CaseStudy.TLP.RED:
        missing.append(_("a TLP other than RED (Handling)"))
    has_recipients = (
        bool(recipient_ids) if recipient_ids is not None else case_study.recipients.exists()
    )
    if case_study.is_restricted and not has_recipients:
        missing.append(
            _("at least one recipient organisation for %(tlp)s (Handling)")
            % {"tlp": case_study.get_tlp_display()}
        )
    return missing


@transaction.atomic
def case_study_delete(*, actor: User, case_study: CaseStudy) -> None:
    """Delete a draft that was never submitted, with its files."""
    case_study = case_locked(case_study.pk)  # 404 if deleted meanwhile
    if not actor_owns(actor, case_study):
        raise PermissionDenied(_("Only the originating organisation may delete this case."))
    if case_study.status != Status.DRAFT or case_study.submitted_at:
        raise PracticesError("Only drafts that were never submitted can be deleted.")
    files = [a.file.name for a in case_study.attachments.all()]
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=case_study,
        changes={"title": [case_study.title, None]},
    )
    case_change_record(case_study, deleted=True)
    case_study.delete()
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])


def _refuse(message: str):
    raise AttachmentRefused(message)


@transaction.atomic
def attachment_add(*, actor: User, case_study: CaseStudy, upload: UploadedFile) -> Attachment:
    """Attach a file after checking its real type and size; a refused file leaves no trace.

    The file is written through the storage API only after the checks; if the database row
    cannot be written, the stored file is removed again.
    """
    _require_own_editable(actor, case_study)
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        _refuse(
            f"“{shorten_filename(upload.name)}” is {filesizeformat(upload.size)}; "
            f"files may be at most {filesizeformat(limit)}."
        )
    filename = shorten_filename(upload.name)
    content_type = detect_content_type(upload, upload.name)
    if content_type is None:
        _refuse(
            f"“{filename}” is not an allowed kind of file, whatever its name says. "
            f"Allowed: {ALLOWED_DESCRIPTION}."
        )
    problem = content_problem(upload, content_type)
    if problem:
        _refuse(
            f"“{filename}” was refused: {problem}. Nothing was stored. "
            f"Allowed: {ALLOWED_DESCRIPTION}, each a complete file of that kind."
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case_study=case_study,
        filename=filename,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=person_of(actor),
    )
    attachment.file.save(attachment.uuid.hex, upload, save=False)
    stored_name = attachment.file.name
    storage = attachment.file.storage
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                obj=attachment,
                changes={
                    "filename": [None, attachment.filename],
                    "sha256": [None, attachment.sha256],
                },
                organisation=case_study.organisation,
                case_study=case_study,
            )
    except Exception:
        storage.delete(stored_name)
        raise
    case_change_record(case_study)
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove a file from a case that can still be edited."""
    _require_own_editable(actor, attachment.case_study)
    name = attachment.file.name
    storage = attachment.file.storage
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=attachment,
        changes={"filename": [attachment.filename, None]},
        organisation=attachment.case_study.organisation,
        case_study=attachment.case_study,
    )
    attachment.delete()
    case_change_record(attachment.case_study)
    transaction.on_commit(lambda: storage.delete(name))


def attachment_downloaded(*, actor, attachment: Attachment) -> None:
    """Record the download of anything that is not public (published TLP:CLEAR)."""
    case_study = attachment.case_study
    public = case_study.status == Status.PUBLISHED and case_study.tlp == CaseStudy.TLP.CLEAR
    if not public:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DOWNLOAD,
            obj=attachment,
            organisation=getattr(actor, "organisation", None),
            case_study=case_study,
        )
