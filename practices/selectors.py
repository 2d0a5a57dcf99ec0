"""Reads of case studies for pages. Every one starts from ``visible_to`` (via ``for_reader``)."""

from __future__ import annotations

from collections import OrderedDict

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from practices.models import Attachment, CaseStudy, ModerationEvent, Term

_TERMS = Prefetch("terms", queryset=Term.objects.select_related("taxonomy"))


def case_study_list(*, actor, published_only: bool = True) -> QuerySet[CaseStudy]:
    """Cases the actor may read, with what list pages show, in a constant number of queries."""
    queryset = CaseStudy.objects.for_reader(actor).prefetch_related(_TERMS)
    if published_only:
        queryset = queryset.published().order_by("-published_at", "-id")
    return queryset


def case_study_ours(*, actor) -> QuerySet[CaseStudy]:
    """The actor's own organisation's cases, every status."""
    return (
        CaseStudy.objects.for_reader(actor)
        .filter(organisation_id=actor.organisation_id)
        .select_related("created_by")
        .order_by("-updated_at")
    )


def case_study_get(*, actor, uuid) -> CaseStudy:
    """One case the actor may read, or 404 — the same 404 as for a case that does not exist."""
    case_study = (
        CaseStudy.objects.for_reader(actor)
        .prefetch_related(
            _TERMS,
            "references",
            "recipients",
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at")),
        )
        .filter(uuid=uuid)
        .first()
    )
    if case_study is None:
        raise Http404("No case study here.")
    return case_study


def case_study_editable_get(*, actor, uuid) -> CaseStudy:
    """A case of the actor's own organisation, for editing; 404 for anyone else's."""
    case_study = case_study_get(actor=actor, uuid=uuid)
    if actor.organisation_id is None or case_study.organisation_id != actor.organisation_id:
        raise Http404("No case study here.")
    return case_study


def terms_by_taxonomy(case_study: CaseStudy) -> OrderedDict:
    """The case's tags grouped under their taxonomy, in the taxonomies' order."""
    grouped: OrderedDict = OrderedDict()
    for term in sorted(
        case_study.terms.all(), key=lambda t: (t.taxonomy.position, t.position, t.code)
    ):
        grouped.setdefault(term.taxonomy, []).append(term)
    return grouped


def case_study_history(*, actor, case_study: CaseStudy) -> QuerySet[ModerationEvent] | list:
    """The workflow history, for the originating organisation and moderators only."""
    if not (
        actor.is_authenticated
        and (actor.is_moderator or actor.organisation_id == case_study.organisation_id)
    ):
        return []
    return case_study.events.select_related("actor").order_by("created_at", "id")


def attachment_get(*, actor, case_uuid, attachment_uuid) -> Attachment:
    """An attachment of a case the actor may read; 404 otherwise, whatever the reason."""
    case_study = CaseStudy.objects.visible_to(actor).filter(uuid=case_uuid).first()
    if case_study is None:
        raise Http404
    attachment = case_study.attachments.filter(uuid=attachment_uuid).first()
    if attachment is None:
        raise Http404
    attachment.case_study = case_study
    return attachment


def moderation_queue(*, actor, filters: dict) -> list[dict]:
    """What waits for review, oldest first: submissions and pending revisions.

    Built from ``visible_to`` like every other read; a constant number of queries.
    """
    from practices.models import CaseRevision

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
        item["own"] = item["case"].organisation_id == actor.organisation_id
    return sorted(items, key=lambda item: item["since"])


def revision_diff(*, case_study: CaseStudy, revision) -> list[dict]:
    """Field by field, what the revision would change, with labels and word-level diffs."""
    from accounts.models import Organisation
    from practices.diff import diff_html
    from practices.revisions import case_content

    current, proposed = case_content(case_study), revision.data
    rows = []
    for field, new in proposed["fields"].items():
        old = current["fields"].get(field)
        if old != new:
            label = CaseStudy._meta.get_field(field).verbose_name
            rows.append(
                {"label": label.capitalize(), "html": diff_html(str(old or ""), str(new or ""))}
            )
    for key, model, label in [("terms", Term, "Tags"), ("recipients", Organisation, "Recipients")]:
        old_ids, new_ids = set(current[key]), set(proposed[key])
        if old_ids != new_ids:
            names = {o.pk: str(o) for o in model.objects.filter(pk__in=old_ids | new_ids)}
            rows.append(
                {
                    "label": label,
                    "added": sorted(names[i] for i in new_ids - old_ids if i in names),
                    "removed": sorted(names[i] for i in old_ids - new_ids if i in names),
                }
            )
    if current["references"] != proposed["references"]:
        rows.append(
            {
                "label": "References",
                "added": [
                    r["url"] for r in proposed["references"] if r not in current["references"]
                ],
                "removed": [
                    r["url"] for r in current["references"] if r not in proposed["references"]
                ],
            }
        )
    return rows
