"""Reads across cases: the DISARM matrix (Red), the counters used (Blue) and "what worked
against …". Each starts from the browse page's filterset (``CaseStudyFilterSet.for_reader``,
which starts from ``visible_to``), so a figure never reflects a case the reader may not read,
and every figure is the length of a list the browse page shows:

- A figure is counted with the current search and filters, except the family it breaks down:
  the matrix counts the cases of each technique *without* the search's own DISARM Red choice
  (``filtered(without="disarm-red")``), as a facet does. Its link is the current search with
  that family set to this one value (``Selection.choosing``), so the list it opens holds
  exactly that many cases.
- Counting is a constant number of queries whatever the number of cases, in three ways: with
  no search or filter, from aggregates shared by every reader and cached under the change
  feed's last number, plus the reader's own and recipient cases counted live
  (``practices.insights.shared``); with words, over the ids of the search's matches (at most
  ``NEWEST_MATCHES``, read once: ``matching``); with filters alone, one GROUP BY over the
  terms' through table joined to the filtered cases. The vocabulary is read first, and the
  term ids are written out in the queries (``_links_of``).

A case carrying two counters counts once under each; one carrying none is counted in "no
counter recorded". A technique's count is the cases tagged with that technique itself (its
sub-techniques have their own counts), as the list its link opens.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from urllib.parse import quote_plus
from uuid import UUID, uuid4

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.counted import counted
from practices.discovery.facets import reader_split, term_label, unfiltered_term_counts
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
from practices.insights.shared import asked_record, reader_rows
from practices.vocabularies.models import Term

RED, BLUE = "disarm-red", "disarm-blue"
# What "what worked against …" can be asked about: a technique, or what else an incident is
# described by. Counters are what is counted, so they are not a subject.
SUBJECTS: dict[str, str] = {
    RED: "DISARM Red",  # the framework's own name, as published
    "theme": _("Theme"),
    "country": _("Country"),
    "platform": _("Platform"),
    "threat-actor": _("Threat actor"),
    "region": _("Region"),
}
HEAT_LEVELS = 4  # shades of a matrix cell besides "none"; the number is always written too
EXAMPLES = 3  # cases named under each group of "what worked"
EXAMPLES_SCANNED = 300  # the newest cases of a subject read to find those examples

Effectiveness, Evidence = CaseStudy.Effectiveness, CaseStudy.Evidence
# Best first: a reader looks for what worked.
EFFECTIVENESS_ORDER = [
    Effectiveness.HIGHLY,
    Effectiveness.EFFECTIVE,
    Effectiveness.PARTLY,
    Effectiveness.INEFFECTIVE,
    Effectiveness.NOT_ASSESSED,
]
# Strongest first; "" is a case that does not say what its rating rests on.
EVIDENCE_ORDER = [Evidence.MEASURED, Evidence.OBSERVED, Evidence.ANECDOTAL, ""]


@functools.cache
def _labels(language: str | None) -> dict[str, dict[str, str]]:
    """The ratings' and evidence's labels in one language, translated once: the pages show
    them hundreds of times, and each lazy label translated anew cost tens of milliseconds."""
    return {
        "effectiveness": {value: str(label) for value, label in Effectiveness.choices},
        "evidence": {value: str(label) for value, label in Evidence.choices},
        "": {"": str(_("Not stated"))},
    }


def effectiveness_label(value: str) -> str:
    return _labels(get_language())["effectiveness"].get(value, value)


def evidence_label(value: str) -> str:
    labels = _labels(get_language())
    return labels["evidence"].get(value) or labels[""][""]


# --- Selections: the link of each figure ------------------------------------------------------


def choosing(selection: Selection, **families: str) -> Selection:
    """``selection`` with each named family set to exactly one value: ``tag`` families by
    taxonomy slug (``choosing(s, **{"disarm-red": "T0086"})``) and ``effectiveness``."""
    tags = {slug: list(codes) for slug, codes in selection.tags.items()}
    changed = {}
    for family, value in families.items():
        if family == "effectiveness":
            changed["effectiveness"] = [value]
        else:
            tags[family] = [value]
    return replace(selection, tags=tags, **changed)


def query_template(make: Callable[..., Selection], count: int) -> Callable[..., str]:
    """``make(*values).query()`` for many values, written once: the query string is built with
    a marker in place of each of the ``count`` values, then the values are put in (the matrix
    writes a link for each of a thousand cells)."""
    markers = [uuid4().hex for _n in range(count)]
    template = make(*markers).query()

    def query(*values: str) -> str:
        text = template
        for marker, value in zip(markers, values, strict=True):
            text = text.replace(marker, quote_plus(value))
        return text

    return query


def query_maker(selection: Selection, *families: str) -> Callable[..., str]:
    """``choosing(selection, **{family: value, …}).query()`` for many values of these families
    (in this order), fast (``query_template``)."""
    return query_template(
        lambda *values: choosing(selection, **dict(zip(families, values, strict=True))),
        len(families),
    )


def leaving_out(selection: Selection, *slugs: str) -> Selection:
    """``selection`` without its choice in these taxonomies."""
    return replace(
        selection, tags={slug: codes for slug, codes in selection.tags.items() if slug not in slugs}
    )


# What the figures count: a queryset of cases, or the ids of a search's cases (``matching``).
Cases = QuerySet[CaseStudy] | list[int]


def _among(field: str, cases: Cases) -> dict[str, object]:
    """``field`` is one of these cases: a subquery, or one array of ids."""
    if isinstance(cases, list):
        return {f"{field}__any": cases}
    return {f"{field}__in": cases.order_by().values("pk")}


def matching(filterset: CaseStudyFilterSet, cases: QuerySet[CaseStudy]) -> Cases:
    """``cases`` (the filterset's cases, or a variant leaving a family out) as the figures
    count them: with words, the list of their ids, read once per request (a search keeps at
    most ``NEWEST_MATCHES``); otherwise the queryset, counted as a subquery.

    Why: the figures of a search group the term links of at most two thousand cases. Given
    their ids, PostgreSQL reads those cases' links by index; given the subquery (visibility
    and ``id = ANY(…)``) it often scanned the visibility index of every published case first,
    25–40 ms per figure, and a page has five to eight figures."""
    if not filterset.selection.text:
        return cases
    found = filterset.__dict__.setdefault("_matching_ids", {})
    try:
        sql, params = cases.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return []
    key = (sql, repr(params))
    if key not in found:
        found[key] = list(cases.order_by().values_list("pk", flat=True))
    return found[key]


def counted_cases(filterset: CaseStudyFilterSet) -> QuerySet[CaseStudy]:
    """The filterset's cases, for counting rows of another table (adoptions): with words, by
    their ids (``matching``), which PostgreSQL looks up rather than checking the visibility of
    every published case."""
    cases = matching(filterset, filterset.filtered())
    return CaseStudy.objects.filter(pk__any=cases) if isinstance(cases, list) else cases


def _links(cases: Cases, slug: str):
    return CaseStudy.terms.through.objects.filter(
        **_among("casestudy_id", cases), term__taxonomy__slug=slug
    )


def _links_of(cases: Cases, term_ids: list[int]):
    """The links of these cases to these terms. With the ids written out, PostgreSQL knows how
    many links a frequent term has and starts from the cases; joined by taxonomy or code it
    guessed a few hundred and read every link of the term first (a tenth of a second each)."""
    return CaseStudy.terms.through.objects.filter(
        **_among("casestudy_id", cases), term_id__in=term_ids
    )


def _level(count: int, most: int) -> int:
    return 0 if not count or not most else max(1, math.ceil(HEAT_LEVELS * count / most))


# --- The matrix (Red) -------------------------------------------------------------------------


@dataclass
class Cell:
    """A tactic, technique or sub-technique with the number of matching cases tagged with it;
    ``query`` is the browse query string of the list of those cases."""

    code: str
    label: str
    count: int
    query: str
    chosen: bool = False
    children: list[Cell] = field(default_factory=list)
    level: int = 0

    @property
    def name(self) -> str:
        return term_label(RED, self.code, self.label)

    @property
    def shortname(self) -> str:
        """The tactic's identifier in DISARM's Navigator (``plan-strategy``)."""
        return slugify(self.label)


@dataclass
class Matrix:
    """Tactics in the framework's phase order, each with its techniques."""

    tactics: list[Cell]
    base: Selection  # the current search without its DISARM Red choice: what is counted

    @property
    def rows(self) -> list[list[Cell | None]]:
        """The techniques as table rows: row *n* holds each tactic's *n*-th technique."""
        return [list(row) for row in zip_longest(*(t.children for t in self.tactics))]

    def cells(self):
        """Every tactic, technique and sub-technique."""
        for tactic in self.tactics:
            yield tactic
            for technique in tactic.children:
                yield technique
                yield from technique.children

    @property
    def most(self) -> int:
        return max((cell.count for cell in self.cells()), default=0)

    @property
    def chosen(self) -> list[str]:
        return [cell.code for cell in self.cells() if cell.chosen]


def disarm_matrix(filterset: CaseStudyFilterSet) -> Matrix:
    """Every DISARM Red tactic, technique and sub-technique with the number of the reader's
    matching cases tagged with it. Two queries: the vocabulary and the counts (without a search
    or filter, from the browse facets' shared aggregate, plus the reader's own part)."""
    selection = filterset.selection
    base = leaving_out(selection, RED)
    terms = list(
        Term.objects.of(RED)
        .order_by("position", "code")
        .values_list("pk", "code", "label", "parent_id", "is_active")
    )
    if split := reader_split(filterset):
        counts: dict[int, int] = unfiltered_term_counts(split)
    else:
        cases = matching(filterset, filterset.filtered(without=RED))
        red = [pk for pk, *_rest in terms]

        def count() -> dict[int, int]:
            return dict(
                _links_of(cases, red)
                .values_list("term_id")
                .annotate(n=Count("casestudy_id"))
                .order_by()
            )

        counts = counted(f"matrix:{red}", cases, count, seq=filterset.seq)
    chosen = set(selection.tags.get(RED, []))
    query = query_maker(base, RED)
    cells: dict[int, Cell] = {}
    parents: dict[int, int | None] = {}
    for pk, code, label, parent_id, _active in terms:
        cells[pk] = Cell(code, label, counts.get(pk, 0), query(code), chosen=code in chosen)
        parents[pk] = parent_id
    for pk, *_rest in terms:
        parent = parents[pk]
        if parent is not None and parent in cells:
            cells[parent].children.append(cells[pk])
    tactics = [cells[pk] for pk, *_rest in terms if parents[pk] is None]

    # Terms that left the framework stay on their cases: shown only where they count.
    active = {pk for pk, *_rest, is_active in terms if is_active}
    keep = {id(cells[pk]) for pk in cells if pk in active}

    def kept(cell: Cell) -> bool:
        cell.children = [child for child in cell.children if kept(child)]
        return id(cell) in keep or cell.count > 0 or bool(cell.children)

    matrix = Matrix([tactic for tactic in tactics if kept(tactic)], base)
    most = matrix.most
    for cell in matrix.cells():
        cell.level = _level(cell.count, most)
    return matrix


# --- The counters used (Blue) -----------------------------------------------------------------


@dataclass
class Share:
    """One value of a distribution (an effectiveness rating, a kind of evidence): ``query`` is
    the browse query string of its cases, empty when no list can be asked for."""

    value: str
    label: str
    count: int
    query: str = ""


@dataclass
class CounterUse:
    code: str
    label: str
    count: int
    query: str
    effectiveness: list[Share]

    @property
    def name(self) -> str:
        return term_label(BLUE, self.code, self.label)


@dataclass
class CounterGroup:
    """A DISARM Blue metatechnique (``M004 Friction``) and its counters that were used."""

    code: str
    label: str
    counters: list[CounterUse]

    @property
    def name(self) -> str:
        return term_label(BLUE, self.code, self.label) if self.code else self.label


def _effectiveness_shares(counts: dict[str, int], query: Callable[[str], str]) -> list[Share]:
    """One share per rating, best first; ``query(rating)`` writes the link of a rated one."""
    return [
        Share(
            value,
            effectiveness_label(value),
            counts.get(value, 0),
            query(value) if counts.get(value) else "",
        )
        for value in EFFECTIVENESS_ORDER
    ]


def _blue_rows(blue: list[int]):
    """(TLP, counter, rating, cases) of some cases: what the Blue view counts."""

    def build(cases: Cases) -> dict[str, list[tuple]]:
        rows = (
            _links_of(cases, blue)
            .values_list("casestudy__tlp", "term_id", "casestudy__effectiveness")
            .annotate(n=Count("casestudy_id"))
            .order_by()
        )
        return {"counters": list(rows)}

    return build


def counter_use(filterset: CaseStudyFilterSet) -> list[CounterGroup]:
    """The DISARM Blue counters the reader's matching cases used (the search's own DISARM Blue
    choice left out), by metatechnique, each with the effectiveness of those cases. Two
    queries: the vocabulary and the counts (without a search or filter, from a shared
    aggregate plus the reader's own part: ``practices.insights.shared``)."""
    base = leaving_out(filterset.selection, BLUE)
    terms = list(
        Term.objects.of(BLUE)
        .order_by("position", "code")
        .values_list("pk", "code", "label", "parent_id")
    )
    blue = [pk for pk, *_rest in terms]
    if (shared := reader_rows(filterset, "blue", _blue_rows(blue))) is not None:
        rows = [row[1:] for row in shared["counters"]]
    else:
        cases = matching(filterset, filterset.filtered(without=BLUE))

        def count() -> list[tuple]:
            return list(
                _links_of(cases, blue)
                .values_list("term_id", "casestudy__effectiveness")
                .annotate(n=Count("casestudy_id"))
                .order_by()
            )

        rows = counted(f"blue:{blue}", cases, count, seq=filterset.seq)
    by_term: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for term_id, effectiveness, n in rows:
        by_term[term_id][effectiveness] += n
    has_children = {parent_id for *_rest, parent_id in terms if parent_id is not None}
    groups: dict[int | None, CounterGroup] = {}
    for pk, code, label, parent_id in terms:
        if parent_id is None and pk in has_children:
            groups[pk] = CounterGroup(code, label, [])
    other = CounterGroup("", str(_("Counters without a metatechnique")), [])
    counter_query = query_maker(base, BLUE)
    rated_query = query_maker(base, BLUE, "effectiveness")
    for pk, code, label, parent_id in terms:
        if pk not in by_term:
            continue
        counts = by_term[pk]
        group = groups.get(parent_id if parent_id is not None else pk, other)
        group.counters.append(
            CounterUse(
                code,
                label,
                sum(counts.values()),
                counter_query(code),
                _effectiveness_shares(counts, lambda value, code=code: rated_query(code, value)),
            )
        )
    used = [group for group in [*groups.values(), other] if group.counters]
    for group in used:
        group.counters.sort(key=lambda counter: (-counter.count, counter.code))
    return used


# --- What worked against … --------------------------------------------------------------------


@dataclass
class Example:
    uuid: UUID
    title: str
    effectiveness: str
    evidence: str

    @property
    def effectiveness_label(self) -> str:
        return effectiveness_label(self.effectiveness)

    @property
    def evidence_label(self) -> str:
        return evidence_label(self.evidence)


@dataclass
class Responses:
    """The cases of a subject that used one counter (``code`` empty: that recorded none)."""

    code: str
    label: str
    count: int
    query: str
    effectiveness: list[Share]
    evidence: list[Share]
    examples: list[Example] = field(default_factory=list)

    @property
    def name(self) -> str:
        return term_label(BLUE, self.code, self.label) if self.code else self.label

    @property
    def rated(self) -> int:
        """Cases whose effectiveness was assessed."""
        return sum(s.count for s in self.effectiveness if s.value != Effectiveness.NOT_ASSESSED)

    @property
    def worked(self) -> int:
        """Cases rated effective or highly effective."""
        return sum(
            s.count
            for s in self.effectiveness
            if s.value in (Effectiveness.EFFECTIVE, Effectiveness.HIGHLY)
        )


@dataclass
class WhatWorked:
    subject: Term
    selection: Selection  # the current search about the subject (DISARM Blue choice left out)
    overall: Responses  # every matching case of the subject
    groups: list[Responses]  # one per counter used, most cases first
    without_counter: Responses | None

    @property
    def without_groups(self) -> list[Responses]:
        return [self.without_counter] if self.without_counter else []

    @property
    def subject_name(self) -> str:
        return term_label(
            self.subject.taxonomy.slug,
            self.subject.code,
            self.subject.label,
            self.subject.translations,
        )


def _evidence_shares(counts: dict[str, int]) -> list[Share]:
    return [Share(value, evidence_label(value), counts.get(value, 0)) for value in EVIDENCE_ORDER]


def _responses(code, label, query, rows, rated_query: Callable[[str], str]) -> Responses:
    """``rows``: (effectiveness, evidence, number of cases); ``rated_query(rating)`` writes the
    link of the cases with a rating."""
    effectiveness: dict[str, int] = defaultdict(int)
    evidence: dict[str, int] = defaultdict(int)
    for rating, basis, n in rows:
        effectiveness[rating] += n
        evidence[basis or ""] += n
    return Responses(
        code,
        label,
        sum(n for *_rest, n in rows),
        query,
        _effectiveness_shares(effectiveness, rated_query),
        _evidence_shares(evidence),
    )


def _worked_counts(cases: Cases, blue: list[int]) -> dict[str, list[tuple]]:
    """What "what worked" counts of these cases, with each row's TLP first: ``totals`` by
    rating, evidence and whether a counter is recorded, ``counters`` by counter, rating and
    evidence. Two queries. ``blue``: the ids of the DISARM Blue counters, written out so that
    PostgreSQL looks a case's counters up by index (by taxonomy, it estimated a lookup so dear
    that it read every counter link of every case instead)."""
    if isinstance(cases, list):
        return _worked_counts_of_ids(cases, blue)
    countered = CaseStudy.terms.through.objects.filter(
        casestudy_id=OuterRef("pk"), term_id__in=blue
    )
    totals = (
        CaseStudy.objects.filter(**_among("pk", cases))
        .annotate(countered=Exists(countered))
        .values_list("tlp", "effectiveness", "evidence", "countered")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counters = (
        _links_of(cases, blue)
        .values_list(
            "casestudy__tlp",
            "term_id",
            "term__code",
            "term__label",
            "casestudy__effectiveness",
            "casestudy__evidence",
        )
        .annotate(n=Count("casestudy_id"))
        .order_by()
    )
    return {"totals": list(totals), "counters": list(counters)}


def _worked_counts_of_ids(cases: list[int], blue: list[int]) -> dict[str, list[tuple]]:
    """``_worked_counts`` of a search's cases, given as ids: their rows and their counters read
    by index (two queries) and counted here. Joined in one GROUP BY, PostgreSQL could read the
    whole table of cases to join a few thousand links."""
    about = {
        pk: rest
        for pk, *rest in CaseStudy.objects.filter(pk__any=cases).values_list(
            "pk", "tlp", "effectiveness", "evidence"
        )
    }
    used: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    links = CaseStudy.terms.through.objects.filter(
        casestudy_id__any=cases, term_id__in=blue
    ).values_list("casestudy_id", "term_id", "term__code", "term__label")
    for case_id, *counter in links:
        used[case_id].append(tuple(counter))
    totals: dict[tuple, int] = defaultdict(int)
    counters: dict[tuple, int] = defaultdict(int)
    for case_id, (tlp, rating, basis) in about.items():
        totals[(tlp, rating, basis, bool(used.get(case_id)))] += 1
        for counter in used.get(case_id, []):
            counters[(tlp, *counter, rating, basis)] += 1
    return {
        "totals": [(*key, n) for key, n in totals.items()],
        "counters": [(*key, n) for key, n in counters.items()],
    }


def _worked_rows(subject: Term, blue: list[int]):
    """``_worked_counts`` of the cases tagged with ``subject``, for the shared aggregate."""

    def build(cases: Cases) -> dict[str, list[tuple]]:
        # The subject's cases first (its links, by index), then those among ``cases``: the
        # other way round, every published case was tested for the subject.
        tagged = CaseStudy.terms.through.objects.filter(term=subject).values("casestudy_id")
        return _worked_counts(
            CaseStudy.objects.filter(**_among("pk", cases)).filter(pk__in=tagged), blue
        )

    return build


def what_worked(filterset: CaseStudyFilterSet, subject: Term) -> WhatWorked:
    """The responses used in the reader's matching cases of ``subject`` (a technique, theme,
    country, platform, threat actor or region), grouped by DISARM Blue counter, each with the
    effectiveness of those cases and the evidence behind it. Five queries (without a search or
    filter, two of them come from a shared aggregate plus the reader's own part)."""
    slug = subject.taxonomy.slug
    about = choosing(leaving_out(filterset.selection, BLUE), **{slug: subject.code})
    cases = about.narrow(filterset.searched)
    blue = list(Term.objects.of(BLUE).values_list("pk", flat=True))
    shared = reader_rows(filterset, f"worked:{subject.pk}", _worked_rows(subject, blue))
    if shared is not None:
        asked_record("worked", subject.pk)
    else:
        found = matching(filterset, cases)
        shared = counted(
            f"worked:{subject.pk}:{blue}",
            found,
            functools.partial(_worked_counts, found, blue),
            seq=filterset.seq,
        )
        if isinstance(found, list):
            # The newest examples among a search's ids: walking the newest cases of the
            # reader to find them visited all of them when the subject was rare in the search.
            cases = CaseStudy.objects.filter(pk__any=found)
    figures = shared

    totals = [row[1:] for row in figures["totals"]]
    rated = query_maker(about, "effectiveness")
    overall = _responses("", "", about.query(), [(e, v, n) for e, v, _c, n in totals], rated)
    uncountered = [(e, v, n) for e, v, countered, n in totals if not countered]
    without = None
    if uncountered:
        # No list can be asked for "no counter": its cases are named below it instead.
        without = _responses("", str(_("No counter recorded")), "", uncountered, lambda v: "")

    rows: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    labels: dict[int, tuple[str, str]] = {}
    for _tlp, term_id, code, label, rating, basis, n in figures["counters"]:
        rows[term_id].append((rating, basis, n))
        labels[term_id] = (code, label)
    counter_query = query_maker(about, BLUE)
    rated_query = query_maker(about, BLUE, "effectiveness")
    groups = {
        term_id: _responses(
            code,
            label,
            counter_query(code),
            rows[term_id],
            lambda value, code=code: rated_query(code, value),
        )
        for term_id, (code, label) in labels.items()
    }
    _name_examples(cases, groups, without)
    ordered = sorted(groups.values(), key=lambda g: (-g.count, -g.worked, g.code))
    return WhatWorked(subject, about, overall, ordered, without)


def _name_examples(
    cases: QuerySet[CaseStudy], groups: dict[int, Responses], without: Responses | None
) -> None:
    """Up to ``EXAMPLES`` of the newest cases under each group, from the subject's
    ``EXAMPLES_SCANNED`` newest (two queries)."""
    # The newest ids first, in a subquery that the visibility index answers alone (no case row
    # read), then the rows of those only: reading the rows of every case of a frequent
    # technique to sort them took most of the query's time.
    ids = cases.order_by("-published_at", "-pk").values("pk")[:EXAMPLES_SCANNED]
    newest = list(
        CaseStudy.objects.filter(pk__in=ids)
        .order_by("-published_at", "-pk")
        .values_list("pk", "uuid", "title", "effectiveness", "evidence")
    )
    counters: dict[int, list[int]] = defaultdict(list)
    for case_id, term_id in CaseStudy.terms.through.objects.filter(
        casestudy_id__in=[row[0] for row in newest], term__taxonomy__slug=BLUE
    ).values_list("casestudy_id", "term_id"):
        counters[case_id].append(term_id)
    for pk, uuid, title, rating, basis in newest:
        example = Example(uuid, title, rating, basis)
        targets = [groups[t] for t in counters.get(pk, []) if t in groups]
        if not counters.get(pk) and without is not None:
            targets = [without]
        for group in targets:
            if len(group.examples) < EXAMPLES:
                group.examples.append(example)


def subject_get(slug: str, code: str) -> Term | None:
    """The term a "what worked" page is about, or None (terms are not secret)."""
    if slug not in SUBJECTS:
        return None
    return Term.objects.select_related("taxonomy").filter(taxonomy__slug=slug, code=code).first()
