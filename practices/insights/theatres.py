"""Across theatres: what Euro-Atlantic and Indo-Pacific cases share (techniques, themes, threat
actors, and when each first appeared in each theatre), and the responses rated effective in
one theatre that the other has not used yet.

A theatre is a set of terms of the ``region`` taxonomy (``THEATRES``, the one place that says
so); a case tagged with a region of both theatres counts in both, and a case of neither
(``global``, or no region) in neither. Every figure counts the reader's matching cases
(``CaseStudyFilterSet.for_reader``) without the search's own region choice (the view breaks
down by region) and links to the browse list of exactly those cases. The responses also leave
out the search's own effectiveness and DISARM Blue choices, which they break down.

Three GROUP BYs whatever the number of cases: the theatres' sizes, the shared terms with their
first incident, and the counters with their ratings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Case, CharField, Count, Min, Value, When
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.facets import term_label
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
from practices.insights.selectors import BLUE, RED, _ids, _links, choosing, leaving_out

REGION = "region"
# Theatre → the region codes that belong to it (practices/vocabularies/data/regions.csv).
# ``global`` belongs to neither: a worldwide case says nothing about one theatre.
THEATRES: dict[str, tuple[str, ...]] = {
    "euro-atlantic": ("euro-atlantic",),
    "indo-pacific": ("indo-pacific",),
}
THEATRE_NAMES = {"euro-atlantic": _("Euro-Atlantic"), "indo-pacific": _("Indo-Pacific")}
# What the two theatres are compared on, in the order the page shows them.
SHARED: dict[str, str] = {
    RED: "DISARM Red techniques",  # the framework's own name, as published
    "theme": _("Themes"),
    "threat-actor": _("Threat actors"),
}
WORKED = [CaseStudy.Effectiveness.HIGHLY, CaseStudy.Effectiveness.EFFECTIVE]


def _theatre_of():
    """The theatre of a region link (joined as ``casestudy__terms``), as an SQL CASE."""
    return Case(
        *[
            When(casestudy__terms__code__in=codes, then=Value(key))
            for key, codes in THEATRES.items()
        ],
        output_field=CharField(),
    )


def _in_theatres():
    return {
        "casestudy__terms__taxonomy__slug": REGION,
        "casestudy__terms__code__in": [code for codes in THEATRES.values() for code in codes],
    }


def _within(selection: Selection, theatre: str, **families: str) -> Selection:
    """``selection`` with the theatre's regions chosen (and each of ``families`` set)."""
    chosen = choosing(selection, **families)
    return replace(chosen, tags={**chosen.tags, REGION: list(THEATRES[theatre])})


@dataclass
class Theatre:
    key: str
    count: int
    query: str

    @property
    def name(self) -> str:
        return str(THEATRE_NAMES[self.key])


@dataclass
class Seen:
    """A term's cases in one theatre and the earliest start of their incidents."""

    count: int = 0
    first: datetime.date | None = None
    query: str = ""


@dataclass
class SharedTerm:
    code: str
    label: str
    seen: dict[str, Seen]
    plain: str = ""  # the vocabulary's own label (the API's)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.seen.values())

    @property
    def first_in(self) -> str:
        """The theatre where it appeared first ("" when dates are missing or equal)."""
        dated = {key: s.first for key, s in self.seen.items() if s.first}
        if len(dated) < len(THEATRES) or len(set(dated.values())) == 1:
            return ""
        return min(dated, key=lambda key: dated[key])

    @property
    def same_day(self) -> bool:
        """Whether it first appeared in every theatre on the same day."""
        dated = [s.first for s in self.seen.values() if s.first]
        return len(dated) == len(THEATRES) and len(set(dated)) == 1

    @property
    def first_in_name(self) -> str:
        return str(THEATRE_NAMES[self.first_in]) if self.first_in else ""

    @property
    def columns(self) -> list[Seen]:
        return [self.seen[key] for key in THEATRES]


@dataclass
class Gap:
    """A counter rated effective or highly effective in theatre ``worked_in`` and used in no
    matching case of ``not_used_in``."""

    code: str
    label: str
    worked_in: str
    worked: int
    worked_query: str
    used: int  # its cases in ``worked_in``, whatever their rating
    used_query: str
    not_used_in: str

    @property
    def name(self) -> str:
        return term_label(BLUE, self.code, self.label)

    @property
    def worked_in_name(self) -> str:
        return str(THEATRE_NAMES[self.worked_in])

    @property
    def not_used_in_name(self) -> str:
        return str(THEATRE_NAMES[self.not_used_in])


@dataclass
class AcrossTheatres:
    selection: Selection
    theatres: list[Theatre]
    shared: dict[str, list[SharedTerm]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, str, list[SharedTerm]]]:
        return [(slug, str(SHARED[slug]), self.shared.get(slug, [])) for slug in SHARED]


def across_theatres(filterset: CaseStudyFilterSet) -> AcrossTheatres:
    """The two theatres side by side, from the reader's matching cases (see the module)."""
    base = leaving_out(filterset.selection, REGION)
    cases = filterset.filtered(without=REGION)

    sizes = dict(
        _links(cases, REGION)
        .filter(term__code__in=[code for codes in THEATRES.values() for code in codes])
        .annotate(
            theatre=Case(
                *[When(term__code__in=codes, then=Value(key)) for key, codes in THEATRES.items()],
                output_field=CharField(),
            )
        )
        .values_list("theatre")
        .annotate(n=Count("casestudy_id", distinct=True))
        .order_by()
    )
    theatres = [Theatre(key, sizes.get(key, 0), _within(base, key).query()) for key in THEATRES]

    rows = (
        CaseStudy.terms.through.objects.filter(
            casestudy_id__in=_ids(cases), term__taxonomy__slug__in=list(SHARED), **_in_theatres()
        )
        .annotate(theatre=_theatre_of())
        .values_list(
            "theatre", "term__taxonomy__slug", "term__code", "term__label", "term__translations"
        )
        .annotate(n=Count("casestudy_id", distinct=True), first=Min("casestudy__incident_start"))
        .order_by()
    )
    found: dict[tuple[str, str], SharedTerm] = {}
    for theatre, slug, code, label, translations, n, first in rows:
        term = found.setdefault(
            (slug, code),
            SharedTerm(code, term_label(slug, code, label, translations), {}, plain=label),
        )
        query = _within(base, theatre, **{slug: code}).query()
        term.seen[theatre] = Seen(n, first, query)
    shared: dict[str, list[SharedTerm]] = defaultdict(list)
    for (slug, _code), term in found.items():
        if all(term.seen.get(key) for key in THEATRES):
            shared[slug].append(term)
    for terms in shared.values():
        terms.sort(key=lambda t: (-t.count, t.code))

    return AcrossTheatres(filterset.selection, theatres, dict(shared), _gaps(filterset))


def _gaps(filterset: CaseStudyFilterSet) -> list[Gap]:
    """Counters rated effective or highly effective in one theatre, unused in the other."""
    base = replace(
        leaving_out(filterset.selection, REGION, BLUE), effectiveness=[]
    )  # the families broken down here
    cases = base.narrow(filterset.searched)
    rows = (
        _links(cases, BLUE)
        .filter(**_in_theatres())
        .annotate(theatre=_theatre_of())
        .values_list("theatre", "term__code", "term__label", "casestudy__effectiveness")
        .annotate(n=Count("casestudy_id", distinct=True))
        .order_by()
    )
    labels: dict[str, str] = {}
    used: dict[tuple[str, str], int] = defaultdict(int)
    worked: dict[tuple[str, str], int] = defaultdict(int)
    for theatre, code, label, rating, n in rows:
        labels[code] = label
        used[(theatre, code)] += n
        if rating in WORKED:
            worked[(theatre, code)] += n
    # ``used`` adds up the ratings of distinct cases: each case has one rating, so no case
    # counts twice within a theatre.
    gaps = []
    for (theatre, code), n in worked.items():
        for other in THEATRES:
            if other == theatre or used.get((other, code)):
                continue
            rated = replace(_within(base, theatre, **{BLUE: code}), effectiveness=list(WORKED))
            gaps.append(
                Gap(
                    code,
                    labels[code],
                    theatre,
                    n,
                    rated.query(),
                    used[(theatre, code)],
                    _within(base, theatre, **{BLUE: code}).query(),
                    other,
                )
            )
    gaps.sort(key=lambda g: (list(THEATRES).index(g.worked_in), -g.worked, g.code))
    return gaps
