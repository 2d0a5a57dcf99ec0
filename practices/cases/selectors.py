"""Reads of case studies for pages. Every one starts from ``visible_to`` (via ``for_reader``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from practices.cases.models import Attachment, CaseStudy
from practices.cases.querysets import actor_owns
from practices.vocabularies.labels import term_display_label
from practices.vocabularies.models import Term

_TERMS = Prefetch("terms", queryset=Term.objects.select_related("taxonomy"))
# What a list shows of each term (an export's columns): its taxonomy's slug, code and label in
# the reader's language, without the descriptions and the taxonomies' attributions (long
# texts, DISARM's especially) that were read for each of a list's ~17 terms per case. (The
# browse page reads its cards' terms as rows instead: ``card_terms_attach``.)
_LISTED_TERMS = Prefetch(
    "terms",
    queryset=Term.objects.select_related("taxonomy").only(
        "code", "label", "translations", "taxonomy", "taxonomy__slug"
    ),
)


def case_study_list(*, actor, published_only: bool = True) -> QuerySet[CaseStudy]:
    """Cases the actor may read, with what list pages show, in a constant number of queries."""
    queryset = CaseStudy.objects.for_reader(actor).prefetch_related(_LISTED_TERMS)
    if published_only:
        queryset = queryset.published().order_by("-published_at", "-id")
    return queryset


# The taxonomies whose terms a result card shows (``practices.templatetags.case_card_tags``).
CARD_TAXONOMIES = ("disarm-red", "disarm-blue", "country", "region", "theme")


@dataclass
class CardTerm:
    """A term as a result card shows it."""

    slug: str  # its taxonomy's
    code: str
    label: str
    translations: dict

    @property
    def display_label(self) -> str:
        return term_display_label(self.slug, self.code, self.label, self.translations)


def card_terms_attach(cases: Iterable[CaseStudy]) -> None:
    """``case.card_terms`` for each of these cases: the terms its result card shows, in the
    vocabularies' order, read in one query of plain rows.

    A page of twenty cards holds some 350 terms; read as prefetched model instances (a term
    and its taxonomy each) they cost the browse page 10-15 ms at 100 000 cases, against 2-3 ms
    as rows."""
    cases = list(cases)
    if not cases:
        return
    shown: dict[int, list[CardTerm]] = {case.pk: [] for case in cases}
    rows = (
        CaseStudy.terms.through.objects.filter(
            casestudy_id__any=list(shown), term__taxonomy__slug__in=CARD_TAXONOMIES
        )
        .order_by("term__taxonomy__position", "term__position", "term__code")
        .values_list(
            "casestudy_id",
            "term__taxonomy__slug",
            "term__code",
            "term__label",
            "term__translations",
        )
    )
    for case_id, *term in rows:
        shown[case_id].append(CardTerm(*term))
    for case in cases:
        case.card_terms = shown[case.pk]


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
    if not actor_owns(actor, case_study):
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
