"""Reads for moderation: a case's history thread, the review queue, a revision's diff and the
audit log. Every one starts from ``visible_to``."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organisation
from practices.audit import readable
from practices.audit.models import AuditEvent
from practices.cases.models import CaseRevision, CaseStudy, ModerationEvent
from practices.cases.querysets import actor_moderates, actor_owns
from practices.cases.revisions import case_content
from practices.cases.text import normalise_newlines
from practices.moderation.diff import diff_html
from practices.vocabularies.models import Term
from practices.vocabularies.refs import term_ref_text, term_refs_describe


def case_study_history(*, actor, case_study: CaseStudy) -> list[ModerationEvent]:
    """The workflow history, for the originating organisation and moderators only.

    Tag corrections carry ``added_text``/``removed_text``: their stored tag references
    ("disarm-red:T0086") as people read them ("DISARM T0086 Degrade adversary"), named in one
    query for the whole thread.
    """
    if not (actor_moderates(actor) or actor_owns(actor, case_study)):
        return []
    events = list(case_study.events.select_related("actor").order_by("created_at", "id"))
    tagged = [e for e in events if e.kind == ModerationEvent.Kind.TAGS]
    refs = term_refs_describe(
        ref
        for event in tagged
        for ref in [*event.details.get("added", []), *event.details.get("removed", [])]
    )
    for event in tagged:
        event.added_text = [refs.get(r, r) for r in event.details.get("added", [])]
        event.removed_text = [refs.get(r, r) for r in event.details.get("removed", [])]
    return events


def moderation_queue(*, actor, filters: dict) -> list[dict]:
    """What waits for review, oldest first: submissions and pending revisions.

    Built from ``visible_to`` like every other read; a constant number of queries.
    """
    visible = CaseStudy.objects.visible_to(actor)
    cases = visible.filter(status=CaseStudy.Status.SUBMITTED)
    revisions = CaseRevision.objects.filter(
        status=CaseRevision.Status.PENDING, case_study__in=visible
    )
    if filters.get("tlp"):
        cases = cases.filter(tlp=filters["tlp"])
        revisions = revisions.filter(case_study__tlp=filters["tlp"])
    if filters.get("organisation"):
        cases = cases.filter(organisation__slug=filters["organisation"])
        revisions = revisions.filter(case_study__organisation__slug=filters["organisation"])
    if filters.get("region"):
        cases = cases.tagged("region", filters["region"])
        revisions = revisions.filter(
            case_study__in=CaseStudy.objects.tagged("region", filters["region"])
        )
    claimed = filters.get("claimed")
    if claimed == "claimed":
        cases = cases.filter(claimed_by__isnull=False)
        revisions = revisions.filter(case_study__claimed_by__isnull=False)
    elif claimed == "unclaimed":
        cases = cases.filter(claimed_by__isnull=True)
        revisions = revisions.filter(case_study__claimed_by__isnull=True)
    items = [
        {"kind": "submission", "case": c, "since": c.submitted_at}
        for c in cases.select_related("organisation", "claimed_by")
    ] + [
        {"kind": "revision", "case": r.case_study, "revision": r, "since": r.submitted_at}
        for r in revisions.select_related("case_study__organisation", "case_study__claimed_by")
    ]
    for item in items:
        item["own"] = actor_owns(actor, item["case"])
    return sorted(items, key=lambda item: item["since"])


def revision_diff(*, case_study: CaseStudy, revision) -> list[dict]:
    """Field by field, what the revision would change, with labels and word-level diffs."""
    return content_diff(before=case_content(case_study), after=revision.data)


def resubmission_diff(*, case_study: CaseStudy) -> dict | None:
    """What the originator changed since a moderator last asked for changes.

    Only for a case submitted again after "changes requested": the request's event holds the
    case's content as it was then (``details["snapshot"]``, written by
    ``case_study_request_changes``), compared here with the content now. A request recorded
    before snapshots were kept has none: ``rows`` is None and the page says so.
    """
    if case_study.status != CaseStudy.Status.SUBMITTED or case_study.submission_round < 2:
        return None
    request = (
        case_study.events.filter(
            kind=ModerationEvent.Kind.TRANSITION,
            to_status=CaseStudy.Status.CHANGES_REQUESTED,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if request is None:
        return None
    snapshot = (request.details or {}).get("snapshot")
    return {
        "request": request,
        "rows": content_diff(before=snapshot, after=case_content(case_study)) if snapshot else None,
    }


def _field_label(field: str) -> str | None:
    try:
        return str(CaseStudy._meta.get_field(field).verbose_name).capitalize()
    except FieldDoesNotExist:  # a field since removed from the model, in stored content
        return None


def _names(model, ids: set[int]) -> dict[int, str]:
    if model is Term:
        # Tags as people read them: "DISARM T0086 …", "theme Elections and referendums".
        return {
            t.pk: term_ref_text(t.taxonomy.slug, t.code, t)
            for t in Term.objects.filter(pk__in=ids).select_related("taxonomy")
        }
    return {o.pk: str(o) for o in model.objects.filter(pk__in=ids)}


def content_diff(*, before: dict, after: dict) -> list[dict]:
    """Field by field, how ``after`` differs from ``before`` (both as ``case_content`` gives
    them): word-level diffs of the texts, additions and removals of tags, recipients and
    references."""
    current, proposed = before, after
    rows = []
    for field, new in proposed["fields"].items():
        label = _field_label(field)
        if label is None:
            continue
        old = current["fields"].get(field)
        if isinstance(old, str) and isinstance(new, str):
            # Text stored before input was normalised may differ in line endings only.
            old, new = normalise_newlines(old), normalise_newlines(new)
        if old != new:
            if isinstance(old, bool) or isinstance(new, bool):
                old, new = (_("yes") if v else _("no") for v in (old, new))
            rows.append({"label": label, "html": diff_html(str(old or ""), str(new or ""))})
    for key, model, label in [
        ("terms", Term, _("Tags")),
        ("recipients", Organisation, _("Recipients")),
    ]:
        old_ids, new_ids = set(current.get(key, [])), set(proposed.get(key, []))
        if old_ids != new_ids:
            names = _names(model, old_ids | new_ids)
            rows.append(
                {
                    "label": label,
                    "added": sorted(names[i] for i in new_ids - old_ids if i in names),
                    "removed": sorted(names[i] for i in old_ids - new_ids if i in names),
                }
            )
    current.setdefault("references", [])
    proposed.setdefault("references", [])
    if current["references"] != proposed["references"]:
        rows.append(
            {
                "label": _("References"),
                "added": [
                    r["url"] for r in proposed["references"] if r not in current["references"]
                ],
                "removed": [
                    r["url"] for r in current["references"] if r not in proposed["references"]
                ],
            }
        )
    return rows


def audit_events_readable(events) -> list[AuditEvent]:
    """A page of audit events with readable kinds, fields and tags (practices.audit.readable)."""
    return readable.audit_events_readable(events, describe_refs=term_refs_describe)


def audit_event_list(*, actor) -> QuerySet[AuditEvent]:
    """The audit trail this actor may read: all of it for operators; for moderators, events
    about cases they may read and events about no case."""
    readable = CaseStudy.objects.visible_to(actor).values("uuid")
    return AuditEvent.objects.visible_to(actor, readable_case_uuids=readable)
