"""Reads for access requests: the stubs of discoverable cases, and the requests each side sees.

Stubs come only from ``CaseStudy.objects.discoverable_by(actor)`` and are handed to pages as
``Stub`` values holding the stub fields and nothing else — a template cannot reach the rest of
the case because it never gets the case. Everything else a person sees of a case still comes
from ``visible_to``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_acts_for
from practices.hub.models import AccessRequest
from practices.vocabularies.models import Term

STUB_TAXONOMIES = ("disarm-red", "region")


@dataclass(frozen=True)
class Stub:
    """What the stub of a discoverable case shows — all that it shows."""

    uuid: str
    title: str
    language: str
    techniques: list[tuple[str, str]]  # (code, name) of its DISARM Red techniques
    regions: list[str]
    incident_year: int | None
    # The originating organisation's name when the case is named; None when anonymised
    # (then only the organisation's region is shown, as "a partner organisation").
    originator: str | None
    originator_region: str
    requested: bool  # the reader's organisation has a request waiting


def _stub_queryset(actor) -> QuerySet[CaseStudy]:
    terms = Term.objects.filter(taxonomy__slug__in=STUB_TAXONOMIES).select_related("taxonomy")
    organisation_id = getattr(actor, "organisation_id", None)
    pending = AccessRequest.objects.filter(
        case_study_id=OuterRef("pk"),
        organisation_id=organisation_id,
        status=AccessRequest.Status.PENDING,
    )
    return (
        CaseStudy.objects.discoverable_by(actor)
        .only(
            "uuid",
            "title",
            "language",
            "incident_start",
            "attribution_mode",
            "published_at",
            "organisation__name",
            "organisation__region",
        )
        .select_related("organisation")
        .prefetch_related(Prefetch("terms", queryset=terms, to_attr="stub_terms"))
        .annotate(requested=Exists(pending))
        .order_by("-published_at", "-id")
    )


def _stub(case_study: CaseStudy) -> Stub:
    terms = sorted(case_study.stub_terms, key=lambda t: (t.position, t.code))
    organisation = case_study.organisation
    return Stub(
        uuid=str(case_study.uuid),
        title=case_study.title,
        language=case_study.language,
        techniques=[(t.code, t.label) for t in terms if t.taxonomy.slug == "disarm-red"],
        regions=[t.display_label for t in terms if t.taxonomy.slug == "region"],
        incident_year=case_study.incident_start.year if case_study.incident_start else None,
        originator=None if case_study.is_anonymised else organisation.name,
        originator_region=organisation.get_region_display(),
        requested=case_study.requested,
    )


def stub_list(*, actor, offset: int = 0, limit: int | None = None) -> list[Stub]:
    """The stubs this actor may see, newest publication first, in a constant number of queries."""
    queryset = _stub_queryset(actor)
    if limit is not None:
        queryset = queryset[offset : offset + limit]
    return [_stub(case_study) for case_study in queryset]


def stub_count(*, actor) -> int:
    """How many stubs the stub list has (for its own pagination only)."""
    return CaseStudy.objects.discoverable_by(actor).count()


def stub_get(*, actor, uuid) -> Stub:
    """One stub, or 404 — the same 404 as for a case that does not exist or is not offered."""
    case_study = _stub_queryset(actor).filter(uuid=uuid).first()
    if case_study is None:
        raise Http404("No case study here.")
    return _stub(case_study)


def access_requests_pending_for(*, organisation: Organisation) -> QuerySet[AccessRequest]:
    """Requests waiting for this organisation's admins: pending requests for its own cases,
    oldest first. For the organisation admins' pages (the access request page, the admin
    home); only its admins may be shown them (``practices.hub.access.may_decide``)."""
    return (
        AccessRequest.objects.filter(
            case_study__organisation=organisation, status=AccessRequest.Status.PENDING
        )
        .select_related("case_study", "organisation", "requested_by")
        .order_by("created_at", "id")
    )


def access_requests_decided_for(*, organisation: Organisation, limit: int = 20) -> list:
    """The latest requests for this organisation's cases that are no longer pending."""
    return list(
        AccessRequest.objects.filter(case_study__organisation=organisation)
        .exclude(status=AccessRequest.Status.PENDING)
        .select_related("case_study", "organisation", "requested_by", "decided_by")
        .order_by("-updated_at", "-id")[:limit]
    )


def access_requests_by(*, actor) -> QuerySet[AccessRequest]:
    """The requests the actor's organisation made, newest first. Each carries ``readable``
    (the organisation may read the case now) and ``offered`` (its stub is still listed): a
    page shows the case's title only when one of them holds, so a case that stopped being
    discoverable reveals nothing more than before."""
    organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None or not actor_acts_for(actor, organisation_id):
        return AccessRequest.objects.none()
    readable = CaseStudy.objects.visible_to(actor).filter(pk=OuterRef("case_study_id"))
    offered = CaseStudy.objects.discoverable_by(actor).filter(pk=OuterRef("case_study_id"))
    return (
        AccessRequest.objects.filter(organisation_id=organisation_id)
        .select_related("case_study__organisation", "organisation", "requested_by", "decided_by")
        .annotate(readable=Exists(readable), offered=Exists(offered))
        .order_by("-created_at", "-id")
    )


def access_request_get(*, actor, uuid) -> AccessRequest:
    """A request seen by one of its two sides: the requesting organisation's members
    (``side == "requester"``), or the originating organisation's admins
    (``side == "originator"``). 404 for anyone else — the originator's other members,
    moderators, other organisations, visitors — exactly as for a request that does not exist."""
    organisation_id = getattr(actor, "organisation_id", None)
    if organisation_id is None or not actor_acts_for(actor, organisation_id):
        raise Http404
    access_request = access_requests_by(actor=actor).filter(uuid=uuid).first()
    if access_request is not None:
        access_request.side = "requester"
        return access_request
    if actor.is_org_admin:
        access_request = (
            AccessRequest.objects.filter(uuid=uuid, case_study__organisation_id=organisation_id)
            .select_related("case_study__organisation", "organisation", "requested_by")
            .first()
        )
        if access_request is not None:
            access_request.side = "originator"
            return access_request
    raise Http404
