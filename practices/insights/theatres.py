"""Across theatres: what Euro-Atlantic and Indo-Pacific cases share (techniques, themes, threat
actors, and when each first appeared in each theatre), and the responses rated effective in
one theatre that the other has not used yet.

A theatre is a set of terms of the ``region`` taxonomy (``THEATRES``, the one place that says
so); a case tagged with a region of both theatres counts in both, and a case of neither
(``global``, or no region) in neither. Every figure counts the reader's matching cases
(``CaseStudyFilterSet.for_reader``) without the search's own region choice (the view breaks
down by region) and links to the browse list of exactly those cases. The responses also leave
out the search's own effectiveness and DISARM Blue choices, which they break down.

Four queries whatever the number of cases: the vocabulary, then the theatres' sizes, the
shared terms with their first incident and the counters with their ratings (``_counts``), from
aggregates shared by readers when nothing is searched or chosen (``practices.insights.shared``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import partial

from django.db.models import Case, CharField, Count, Exists, Min, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.counted import counted
from practices.discovery.facets import term_label
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
from practices.insights.selectors import (
    BLUE,
    RED,
    Cases,
    _among,
    _links_of,
    choosing,
    leaving_out,
    matching,
    query_template,
)
from practices.insights.shared import reader_rows
from practices.vocabularies.models import Term

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


@dataclass
class _Vocabulary:
    """The terms the page counts, read once: written out in its queries (so that PostgreSQL
    knows how many links each has, see ``selectors._links_of``) and named from here."""

    regions: dict[str, list[int]]  # theatre → its region terms
    names: dict[int, tuple[str, str, str, dict]]  # id → taxonomy, code, label, translations

    @classmethod
    def read(cls) -> _Vocabulary:
        regions: dict[str, list[int]] = {key: [] for key in THEATRES}
        names = {}
        rows = Term.objects.filter(taxonomy__slug__in=[REGION, BLUE, *SHARED]).values_list(
            "pk", "taxonomy__slug", "code", "label", "translations"
        )
        for pk, slug, code, label, translations in rows:
            names[pk] = (slug, code, label, translations)
            for key, codes in THEATRES.items():
                if slug == REGION and code in codes:
                    regions[key].append(pk)
        return cls(regions, names)

    def of(self, *slugs: str) -> list[int]:
        return [pk for pk, (slug, *_rest) in self.names.items() if slug in slugs]

    @property
    def region_ids(self) -> list[int]:
        return [pk for ids in self.regions.values() for pk in ids]

    def theatre_of(self, field: str):
        """The theatre of a region link (``field`` its term id), as an SQL CASE."""
        return Case(
            *[When(**{f"{field}__in": ids}, then=Value(key)) for key, ids in self.regions.items()],
            output_field=CharField(),
        )

    def in_theatres(self) -> dict[str, Exists]:
        """For each theatre, in order, whether a case is tagged with one of its regions
        (``in_0``, ``in_1``)."""
        through = CaseStudy.terms.through.objects
        return {
            f"in_{n}": Exists(through.filter(casestudy_id=OuterRef("pk"), term_id__in=ids))
            for n, ids in enumerate(self.regions.values())
        }


def _counts_of_ids(vocabulary: _Vocabulary, cases: list[int], gap_cases: list[int]):
    """``_counts`` of a search's cases, given as ids: their links to the terms the page counts
    and their TLP, incident start and rating, read in two queries by index and counted here. In
    one GROUP BY joined to the cases, PostgreSQL read the whole table of cases (or of links) to
    join a few thousand rows: 150–350 ms."""
    every = sorted({*cases, *gap_cases})
    theatres_of: dict[int, list[str]] = defaultdict(list)
    for key, pks in vocabulary.regions.items():
        for pk in pks:
            theatres_of[pk].append(key)
    shared_terms, blue = set(vocabulary.of(*SHARED)), set(vocabulary.of(BLUE))
    links = CaseStudy.terms.through.objects.filter(
        casestudy_id__any=every, term_id__in=[*theatres_of, *shared_terms, *blue]
    ).values_list("casestudy_id", "term_id")
    members: dict[int, set[str]] = defaultdict(set)
    terms_of: dict[int, list[int]] = defaultdict(list)
    for case_id, term_id in links:
        if term_id in theatres_of:
            members[case_id].update(theatres_of[term_id])
        else:
            terms_of[case_id].append(term_id)
    about = {
        pk: rest
        for pk, *rest in CaseStudy.objects.filter(pk__any=every).values_list(
            "pk", "tlp", "incident_start", "effectiveness"
        )
    }

    listed, gapped = set(cases), set(gap_cases)
    sizes = [("", key, sum(1 for c in listed if key in members.get(c, ()))) for key in THEATRES]
    shared: dict[tuple, list] = {}
    gaps: dict[tuple, int] = defaultdict(int)
    for case_id, theatres in members.items():
        tlp, start, rating = about[case_id]
        flags = tuple(key in theatres for key in THEATRES)
        in_list, in_gaps = case_id in listed, case_id in gapped
        for term_id in terms_of.get(case_id, ()):
            if in_list and term_id in shared_terms:
                found = shared.setdefault((tlp, *flags, term_id), [0, None])
                found[0] += 1
                if start is not None and (found[1] is None or start < found[1]):
                    found[1] = start
            elif in_gaps and term_id in blue:
                gaps[(tlp, *flags, term_id, rating)] += 1
    return {
        "sizes": sizes,
        "shared": [(*key, n, first) for key, (n, first) in shared.items()],
        "gaps": [(*key, n) for key, n in gaps.items()],
    }


def _counts(vocabulary: _Vocabulary):
    """The page's three queries, each row with its cases' TLP first (see ``shared``):
    ``sizes`` (theatre, cases); ``shared`` (in each theatre?, term, cases, first incident) and
    ``gaps`` (in each theatre?, counter, rating, cases), where "in each theatre?" is one
    boolean per theatre (a case may be in both). ``gap_cases`` are the cases the gaps count
    (the search without its effectiveness and DISARM Blue choices as well).

    A case's theatres are lookups in its region links; a search's cases (ids, from
    ``matching``) are counted by ``_counts_of_ids``."""

    def build(cases: Cases, gap_cases: Cases | None = None):
        gap_cases = cases if gap_cases is None else gap_cases
        if isinstance(cases, list) and isinstance(gap_cases, list):
            return _counts_of_ids(vocabulary, cases, gap_cases)
        sizes = list(
            _links_of(cases, vocabulary.region_ids)
            .annotate(theatre=vocabulary.theatre_of("term_id"))
            .values_list("casestudy__tlp", "theatre")
            .annotate(n=Count("casestudy_id", distinct=True))
            .order_by()
        )
        flags = vocabulary.in_theatres()
        in_any = Q()
        for name in flags:
            in_any |= Q(**{name: True})
        # From the cases, each with its theatres, to their links: one row per link, so a
        # count of rows is a count of cases. (From the links, each looking up its case's
        # theatres, took three times as long over every published case.)
        shared = (
            CaseStudy.objects.filter(**_among("pk", cases))
            .annotate(**flags)
            .filter(in_any, terms__in=vocabulary.of(*SHARED))
            .values_list("tlp", *flags, "terms")
            .annotate(n=Count("pk"), first=Min("incident_start"))
            .order_by()
        )
        gaps = (
            CaseStudy.objects.filter(**_among("pk", gap_cases))
            .annotate(**flags)
            .filter(in_any, terms__in=vocabulary.of(BLUE))
            .values_list("tlp", *flags, "terms", "effectiveness")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {"sizes": sizes, "shared": list(shared), "gaps": list(gaps)}

    return build


def _theatres_of(flags: tuple[bool, ...]) -> list[str]:
    return [key for key, flag in zip(THEATRES, flags, strict=True) if flag]


def across_theatres(filterset: CaseStudyFilterSet) -> AcrossTheatres:
    """The two theatres side by side, from the reader's matching cases (see the module)."""
    base = leaving_out(filterset.selection, REGION)
    # The families the gaps break down are left out as well.
    gap_base = replace(leaving_out(filterset.selection, REGION, BLUE), effectiveness=[])
    vocabulary = _Vocabulary.read()
    figures = reader_rows(filterset, "theatres", _counts(vocabulary))
    if figures is None:
        cases = matching(filterset, filterset.filtered(without=REGION))
        gap_cases = matching(filterset, gap_base.narrow(filterset.searched))
        # The vocabulary's ids are part of what is counted: a new region or term changes them.
        figures = counted(
            f"theatres:{vocabulary.regions}:{sorted(vocabulary.names)}",
            (cases, gap_cases),
            partial(_counts(vocabulary), cases, gap_cases),
            seq=filterset.seq,
        )

    sizes: dict[str, int] = defaultdict(int)
    for _tlp, theatre, n in figures["sizes"]:
        sizes[theatre] += n
    theatres = [Theatre(key, sizes.get(key, 0), _within(base, key).query()) for key in THEATRES]

    seen: dict[tuple[int, str], Seen] = {}
    width = len(THEATRES)
    for row in figures["shared"]:
        term_id, n, first = row[1 + width :]
        for theatre in _theatres_of(row[1 : 1 + width]):
            found = seen.setdefault((term_id, theatre), Seen())
            found.count += n
            if first is not None and (found.first is None or first < found.first):
                found.first = first
    queries = {
        (key, slug): query_template(
            lambda code, key=key, slug=slug: _within(base, key, **{slug: code}), 1
        )
        for key in THEATRES
        for slug in SHARED
    }
    shared: dict[str, list[SharedTerm]] = defaultdict(list)
    for term_id in {term_id for term_id, _theatre in seen}:
        if not all((term_id, key) in seen for key in THEATRES):
            continue
        slug, code, label, translations = vocabulary.names[term_id]
        for key in THEATRES:
            seen[(term_id, key)].query = queries[(key, slug)](code)
        shared[slug].append(
            SharedTerm(
                code,
                term_label(slug, code, label, translations),
                {key: seen[(term_id, key)] for key in THEATRES},
                plain=label,
            )
        )
    for terms in shared.values():
        terms.sort(key=lambda t: (-t.count, t.code))

    gaps = _gaps(gap_base, vocabulary, figures["gaps"])
    return AcrossTheatres(filterset.selection, theatres, dict(shared), gaps)


def _gaps(base: Selection, vocabulary: _Vocabulary, rows) -> list[Gap]:
    """Counters rated effective or highly effective in one theatre, unused in the other."""
    used: dict[tuple[str, int], int] = defaultdict(int)
    worked: dict[tuple[str, int], int] = defaultdict(int)
    width = len(THEATRES)
    for row in rows:
        term_id, rating, n = row[1 + width :]
        for theatre in _theatres_of(row[1 : 1 + width]):
            used[(theatre, term_id)] += n
            if rating in WORKED:
                worked[(theatre, term_id)] += n
    # ``used`` adds up the ratings of distinct cases: each case has one rating, so no case
    # counts twice within a theatre.
    gaps = []
    for (theatre, term_id), n in worked.items():
        _slug, code, label, _translations = vocabulary.names[term_id]
        for other in THEATRES:
            if other == theatre or used.get((other, term_id)):
                continue
            rated = replace(_within(base, theatre, **{BLUE: code}), effectiveness=list(WORKED))
            gaps.append(
                Gap(
                    code,
                    label,
                    theatre,
                    n,
                    rated.query(),
                    used[(theatre, term_id)],
                    _within(base, theatre, **{BLUE: code}).query(),
                    other,
                )
            )
    gaps.sort(key=lambda g: (list(THEATRES).index(g.worked_in), -g.worked, g.code))
    return gaps
