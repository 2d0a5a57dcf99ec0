"""Reads across cases: the DISARM matrix (Red), the counters used (Blue) and "what worked
against …". Each starts from the browse page's filterset (``CaseStudyFilterSet.for_reader``,
which starts from ``visible_to``), so a figure never reflects a case the reader may not read,
and every figure is the length of a list the browse page shows:

- A figure is counted with the current search and filters, except the family it breaks down:
  the matrix counts the cases of each technique *without* the search's own DISARM Red choice
  (``filtered(without="disarm-red")``), as a facet does. Its link is the current search with
  that family set to this one value (``Selection.choosing``), so the list it opens holds
  exactly that many cases.
- Counting is one GROUP BY over the terms' through table joined to the filtered case ids, plus
  one read of the vocabulary: a constant number of queries, whatever the number of cases.

A case carrying two counters counts once under each; one carrying none is counted in "no
counter recorded". A technique's count is the cases tagged with that technique itself (its
sub-techniques have their own counts), as the list its link opens.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.facets import term_label
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
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


def effectiveness_label(value: str) -> str:
    return str(dict(Effectiveness.choices).get(value, value))


def evidence_label(value: str) -> str:
    return str(dict(Evidence.choices).get(value, _("Not stated")))


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


def leaving_out(selection: Selection, *slugs: str) -> Selection:
    """``selection`` without its choice in these taxonomies."""
    return replace(
        selection, tags={slug: codes for slug, codes in selection.tags.items() if slug not in slugs}
    )


def _ids(cases: QuerySet[CaseStudy]) -> QuerySet:
    return cases.order_by().values("pk")


def _links(cases: QuerySet[CaseStudy], slug: str):
    return CaseStudy.terms.through.objects.filter(
        casestudy_id__in=_ids(cases), term__taxonomy__slug=slug
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
    matching cases tagged with it. Two queries: the counts and the vocabulary."""
    selection = filterset.selection
    base = leaving_out(selection, RED)
    counts = dict(
        _links(filterset.filtered(without=RED), RED)
        .values_list("term_id")
        .annotate(n=Count("casestudy_id"))
        .order_by()
    )
    terms = list(
        Term.objects.of(RED)
        .order_by("position", "code")
        .values_list("pk", "code", "label", "parent_id", "is_active")
    )
    chosen = set(selection.tags.get(RED, []))
    cells: dict[int, Cell] = {}
    parents: dict[int, int | None] = {}
    for pk, code, label, parent_id, _active in terms:
        count = counts.get(pk, 0)
        query = choosing(base, **{RED: code}).query()
        cells[pk] = Cell(code, label, count, query, chosen=code in chosen)
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


def _effectiveness_shares(base: Selection, counts: dict[str, int], **families: str) -> list[Share]:
    return [
        Share(
            value,
            effectiveness_label(value),
            counts.get(value, 0),
            choosing(base, effectiveness=value, **families).query() if counts.get(value) else "",
        )
        for value in EFFECTIVENESS_ORDER
    ]


def counter_use(filterset: CaseStudyFilterSet) -> list[CounterGroup]:
    """The DISARM Blue counters the reader's matching cases used (the search's own DISARM Blue
    choice left out), by metatechnique, each with the effectiveness of those cases."""
    base = leaving_out(filterset.selection, BLUE)
    rows = (
        _links(filterset.filtered(without=BLUE), BLUE)
        .values_list("term_id", "casestudy__effectiveness")
        .annotate(n=Count("casestudy_id"))
        .order_by()
    )
    by_term: dict[int, dict[str, int]] = defaultdict(dict)
    for term_id, effectiveness, n in rows:
        by_term[term_id][effectiveness] = n
    terms = list(
        Term.objects.of(BLUE)
        .order_by("position", "code")
        .values_list("pk", "code", "label", "parent_id")
    )
    has_children = {parent_id for *_rest, parent_id in terms if parent_id is not None}
    groups: dict[int | None, CounterGroup] = {}
    for pk, code, label, parent_id in terms:
        if parent_id is None and pk in has_children:
            groups[pk] = CounterGroup(code, label, [])
    other = CounterGroup("", str(_("Counters without a metatechnique")), [])
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
                choosing(base, **{BLUE: code}).query(),
                _effectiveness_shares(base, counts, **{BLUE: code}),
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
    def subject_name(self) -> str:
        return term_label(
            self.subject.taxonomy.slug,
            self.subject.code,
            self.subject.label,
            self.subject.translations,
        )


def _evidence_shares(counts: dict[str, int]) -> list[Share]:
    return [Share(value, evidence_label(value), counts.get(value, 0)) for value in EVIDENCE_ORDER]


def _responses(code, label, query, base, rows, **families) -> Responses:
    """``rows``: (effectiveness, evidence, number of cases)."""
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
        _effectiveness_shares(base, effectiveness, **families),
        _evidence_shares(evidence),
    )


def what_worked(filterset: CaseStudyFilterSet, subject: Term) -> WhatWorked:
    """The responses used in the reader's matching cases of ``subject`` (a technique, theme,
    country, platform, threat actor or region), grouped by DISARM Blue counter, each with the
    effectiveness of those cases and the evidence behind it. Four queries."""
    slug = subject.taxonomy.slug
    about = choosing(leaving_out(filterset.selection, BLUE), **{slug: subject.code})
    cases = about.narrow(filterset.searched)
    blue = CaseStudy.terms.through.objects.filter(
        casestudy_id=OuterRef("pk"), term__taxonomy__slug=BLUE
    )

    totals = (
        CaseStudy.objects.filter(pk__in=_ids(cases))
        .annotate(countered=Exists(blue))
        .values_list("effectiveness", "evidence", "countered")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals = list(totals)
    overall = _responses("", "", about.query(), about, [(e, v, n) for e, v, _c, n in totals])
    uncountered = [(e, v, n) for e, v, countered, n in totals if not countered]
    without = None
    if uncountered:
        # No list can be asked for "no counter": its cases are named below it instead.
        without = _responses("", str(_("No counter recorded")), "", about, uncountered)
        for share in without.effectiveness:
            share.query = ""

    rows: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    labels: dict[int, tuple[str, str]] = {}
    for term_id, code, label, rating, basis, n in (
        _links(cases, BLUE)
        .values_list(
            "term_id",
            "term__code",
            "term__label",
            "casestudy__effectiveness",
            "casestudy__evidence",
        )
        .annotate(n=Count("casestudy_id"))
        .order_by()
    ):
        rows[term_id].append((rating, basis, n))
        labels[term_id] = (code, label)
    groups = {
        term_id: _responses(
            code,
            label,
            choosing(about, **{BLUE: code}).query(),
            about,
            rows[term_id],
            **{BLUE: code},
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
    newest = list(
        cases.order_by("-published_at", "-pk").values_list(
            "pk", "uuid", "title", "effectiveness", "evidence"
        )[:EXAMPLES_SCANNED]
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
