"""The insights page: cases over time, by region and by theme, the effectiveness of responses,
the most frequent techniques with the counters used against them. Figures as in
``selectors``: each chart counts the reader's matching cases (``CaseStudyFilterSet.for_reader``,
which starts from ``visible_to``) without the search's own choice in the family it breaks down,
and each bar links to the browse list with that family set to its value, which holds exactly
that many cases. A quarter has no filter of its own: its bar has no link, but each year's total
links to the list of that year.

A constant number of queries whatever the number of cases: the vocabulary, then each chart
counted as ``selectors`` says (shared aggregates without a search or filter, the search's ids
with words, a GROUP BY per chart otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import partial

from django.core.exceptions import EmptyResultSet
from django.db.models import Count
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.counted import counted
from practices.discovery.facets import (
    reader_split,
    term_label,
    unfiltered_scalar_rows,
    unfiltered_term_counts,
)
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
from practices.hub.adoptions import Ranked
from practices.insights.selectors import (
    BLUE,
    EFFECTIVENESS_ORDER,
    RED,
    _among,
    _links_of,
    effectiveness_label,
    leaving_out,
    matching,
    query_maker,
)
from practices.insights.shared import reader_rows, reader_rows_by_key
from practices.vocabularies.models import Term

TOP = 10  # techniques and themes shown: the most frequent
TOP_COUNTERS = 3  # counters named under each technique
LABEL_CHARS = 48  # a label longer than this is shortened in the drawing (whole in the table)

# Drawing units (the SVG's viewBox): bars are drawn across BAR_WIDTH, rows ROW apart.
CHART_WIDTH, BAR_WIDTH, ROW = 400, 330, 42
COLUMN, COLUMN_HEIGHT = 40, 150


@dataclass
class Bar:
    """One value of a chart: ``query`` is the browse query string of its cases, "" when no
    filter gives exactly them."""

    code: str
    label: str
    count: int
    query: str = ""
    chosen: bool = False
    children: list[Bar] = field(default_factory=list)  # the counters under a technique
    plain: str = ""  # the vocabulary's own label (the API's and the CSV's), "" if ``label``
    # Set by ``_lay_out``: where the bar is drawn.
    top: int = 0
    length: int = 0

    @property
    def plain_label(self) -> str:
        return self.plain or self.label

    @property
    def short_label(self) -> str:
        text = self.label
        return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


@dataclass
class Chart:
    key: str  # its name in the CSV's URL
    title: str
    bars: list[Bar]
    note: str = ""
    height: int = 0

    @property
    def most(self) -> int:
        return max((bar.count for bar in self.bars), default=0)

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    @property
    def summary(self) -> str:
        """The values in words, for the drawing's description."""
        return "; ".join(f"{bar.label}: {bar.count}" for bar in self.bars)


def quarter_name(quarter: int) -> str:
    """ "Q1" (the axis and the table's heading)."""
    return str(_("Q%(quarter)s") % {"quarter": quarter})


@dataclass
class Quarter:
    year: int
    quarter: int
    count: int
    left: int = 0
    top: int = 0
    height: int = 0

    @property
    def short(self) -> str:
        return quarter_name(self.quarter)

    @property
    def label(self) -> str:
        return str(_("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter})


@dataclass
class Year:
    year: int
    quarters: list[Quarter]
    query: str

    @property
    def count(self) -> int:
        return sum(q.count for q in self.quarters)

    @property
    def by_quarter(self) -> list[int | None]:
        """Q1 to Q4 (None: before the first or after the last quarter drawn)."""
        counts = {q.quarter: q.count for q in self.quarters}
        return [counts.get(quarter) for quarter in (1, 2, 3, 4)]


@dataclass
class Timeline:
    key: str
    title: str
    years: list[Year]
    undated: int
    width: int = 0
    height: int = COLUMN_HEIGHT + 50

    @property
    def quarters(self) -> list[Quarter]:
        return [q for year in self.years for q in year.quarters]

    @property
    def quarter_names(self) -> list[str]:
        return [quarter_name(quarter) for quarter in (1, 2, 3, 4)]

    @property
    def total(self) -> int:
        return sum(year.count for year in self.years)

    @property
    def summary(self) -> str:
        return "; ".join(f"{q.label}: {q.count}" for q in self.quarters if q.count)


@dataclass
class Insights:
    selection: Selection
    timeline: Timeline
    regions: Chart
    themes: Chart
    effectiveness: Chart
    techniques: Chart

    @property
    def charts(self) -> list[Chart]:
        return [self.regions, self.themes, self.effectiveness, self.techniques]


def _lay_out(chart: Chart) -> Chart:
    most = chart.most
    for index, bar in enumerate(chart.bars):
        bar.top = index * ROW
        bar.length = round(BAR_WIDTH * bar.count / most) if most else 0
        if bar.count and not bar.length:
            bar.length = 1
    chart.height = max(len(chart.bars), 1) * ROW
    return chart


# The taxonomies the charts count, and the counters named under the techniques.
COUNTED = ("region", "theme", RED, BLUE)


@dataclass
class _Vocabulary:
    """The terms the charts count, read once: written out in their queries (so that
    PostgreSQL knows how many links each has, see ``selectors._links_of``) and named from
    here."""

    terms: dict[int, tuple[str, str, str, dict]]  # id → taxonomy, code, label, translations

    @classmethod
    def read(cls) -> _Vocabulary:
        rows = Term.objects.filter(taxonomy__slug__in=COUNTED).values_list(
            "pk", "taxonomy__slug", "code", "label", "translations"
        )
        return cls(
            {pk: (slug, code, label, translations) for pk, slug, code, label, translations in rows}
        )

    def ids(self, slug: str) -> list[int]:
        return [pk for pk, (taxonomy, *_rest) in self.terms.items() if taxonomy == slug]


def _term_counts(filterset: CaseStudyFilterSet, vocabulary: _Vocabulary, split) -> dict:
    """Per taxonomy of the charts, the matching cases of each term (the search's own choice in
    it left out): without a search or filter, from the browse facets' shared aggregate and the
    reader's own part; otherwise one GROUP BY for the taxonomies that count the same cases
    (all three, unless the search chose a region, theme or technique)."""
    counts: dict[str, dict[int, int]] = {}
    if split is not None:
        every = unfiltered_term_counts(split)
        for slug in COUNTED[:3]:
            counts[slug] = {pk: every[pk] for pk in vocabulary.ids(slug) if every.get(pk)}
        return counts
    by_cases: dict[str, list[str]] = defaultdict(list)
    variants = {}
    for slug in COUNTED[:3]:
        cases = matching(filterset, filterset.filtered(without=slug))
        try:
            key = str(id(cases)) if isinstance(cases, list) else str(cases.query)
        except EmptyResultSet:  # nothing to count (a reader who may read nothing)
            key = slug
        variants[key] = cases
        by_cases[key].append(slug)
    for key, slugs in by_cases.items():
        ids = [pk for slug in slugs for pk in vocabulary.ids(slug)]

        def count(cases=variants[key], ids=ids) -> dict[int, int]:
            return dict(
                _links_of(cases, ids)
                .values_list("term_id")
                .annotate(n=Count("casestudy_id"))
                .order_by()
            )

        found = counted(f"insights:terms:{ids}", variants[key], count, seq=filterset.seq)
        for slug in slugs:
            counts[slug] = {pk: found[pk] for pk in vocabulary.ids(slug) if pk in found}
    return counts


def _term_bars(
    filterset: CaseStudyFilterSet,
    vocabulary: _Vocabulary,
    slug: str,
    counts: dict[int, int],
    limit: int | None = None,
) -> list[Bar]:
    """The terms of taxonomy ``slug`` on the matching cases, most cases first."""
    query = query_maker(leaving_out(filterset.selection, slug), slug)
    chosen = set(filterset.selection.tags.get(slug, []))
    bars = []
    for pk, n in counts.items():
        _slug, code, label, translations = vocabulary.terms[pk]
        bars.append(
            Bar(
                code,
                term_label(slug, code, label, translations),
                n,
                query(code),
                chosen=code in chosen,
                plain=label,
            )
        )
    bars.sort(key=lambda bar: (-bar.count, bar.code))
    return bars[:limit] if limit else bars


def _quarters(cases) -> dict[str, list[tuple]]:
    """(TLP, year, quarter, cases) by the quarter the incident started."""
    rows = (
        CaseStudy.objects.filter(**_among("pk", cases))
        .annotate(y=ExtractYear("incident_start"), q=ExtractQuarter("incident_start"))
        .values_list("tlp", "y", "q")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {"quarters": list(rows)}


def _timeline(filterset: CaseStudyFilterSet) -> Timeline:
    """Matching cases by the quarter their incident started (the search's years left out, so
    that the others stay in view); every quarter from the first to the last is shown."""
    base = replace(filterset.selection, years=[])
    shared = reader_rows(filterset, "quarters", _quarters)
    if shared is None:
        cases = matching(filterset, filterset.filtered(without="year"))
        shared = counted("insights:quarters", cases, partial(_quarters, cases), seq=filterset.seq)
    rows = shared
    counts: dict[tuple[int, int], int] = defaultdict(int)
    undated = 0
    for _tlp, year, quarter, n in rows["quarters"]:
        if year is None:
            undated += n
        else:
            counts[(int(year), int(quarter))] += n
    years = []
    if counts:
        first, last = min(counts)[0], max(counts)[0]
        for year in range(first, last + 1):
            quarters = [Quarter(year, q, counts.get((year, q), 0)) for q in (1, 2, 3, 4)]
            years.append(Year(year, quarters, replace(base, years=[year]).query()))
    # Trim the empty quarters before the first and after the last.
    timeline = Timeline("time", str(_("Cases over time")), years, undated)
    quarters = timeline.quarters
    while quarters and not quarters[0].count:
        quarters.pop(0)
    while quarters and not quarters[-1].count:
        quarters.pop()
    kept = {id(q) for q in quarters}
    for year in years:
        year.quarters = [q for q in year.quarters if id(q) in kept]
    most = max((q.count for q in quarters), default=0)
    for index, quarter in enumerate(quarters):
        quarter.left = index * COLUMN
        quarter.height = round(COLUMN_HEIGHT * quarter.count / most) if most else 0
        if quarter.count and not quarter.height:
            quarter.height = 1
        quarter.top = 20 + COLUMN_HEIGHT - quarter.height
    timeline.width = max(len(quarters), 1) * COLUMN
    return timeline


def _effectiveness(filterset: CaseStudyFilterSet, split) -> Chart:
    base = replace(filterset.selection, effectiveness=[])
    counts: dict[str, int] = defaultdict(int)
    if split is not None:
        for row in unfiltered_scalar_rows(split):
            counts[row["effectiveness"]] += row["count"]
    else:
        cases = matching(filterset, filterset.filtered(without="effectiveness"))

        def count() -> dict[str, int]:
            return dict(
                CaseStudy.objects.filter(**_among("pk", cases))
                .values_list("effectiveness")
                .annotate(n=Count("pk"))
                .order_by()
            )

        counts.update(counted("insights:effectiveness", cases, count, seq=filterset.seq))
    chosen = set(filterset.selection.effectiveness)
    query = query_maker(base, "effectiveness")
    bars = [
        Bar(
            value,
            effectiveness_label(value),
            counts.get(value, 0),
            query(value),
            chosen=value in chosen,
        )
        for value in EFFECTIVENESS_ORDER
    ]
    return Chart("effectiveness", str(_("Effectiveness of responses")), bars)


def _pairs(blue: list[int], *, by_tlp: bool = True):
    """(TLP, counter, cases) of the cases carrying each of some techniques, by technique; the
    TLP is "" unless ``by_tlp`` (only the shared aggregate needs it, and reading it joined every
    case of the table in the plan PostgreSQL chose for a search)."""

    def build(cases, techniques: list[int]) -> dict[object, dict[str, list[tuple]]]:
        tlp = ["casestudy__tlp"] if by_tlp else []
        rows = (
            _links_of(cases, techniques)
            .filter(casestudy__terms__in=blue)
            .values_list("term_id", "casestudy__terms", *tlp)
            .annotate(n=Count("casestudy_id"))
            .order_by()
        )
        found: dict[object, dict[str, list[tuple]]] = {}
        for technique, counter, *rest in rows:
            row = (rest[0] if by_tlp else "", counter, rest[-1])
            found.setdefault(technique, {"counters": []})["counters"].append(row)
        return found

    return build


def _pairs_of_ids(cases: list[int], techniques: list[int], blue: list[int]) -> dict:
    """``_pairs`` of a search's cases (given as ids), from their links to these techniques and
    to the counters, read by index and paired here: joined in SQL, PostgreSQL went through the
    whole table of cases."""
    top, counters = set(techniques), set(blue)
    terms: dict[int, list[int]] = defaultdict(list)
    links = CaseStudy.terms.through.objects.filter(
        casestudy_id__any=cases, term_id__in=[*techniques, *blue]
    ).values_list("casestudy_id", "term_id")
    for case_id, term_id in links:
        terms[case_id].append(term_id)
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for found in terms.values():
        used = [t for t in found if t in counters]
        for technique in (t for t in found if t in top):
            for counter in used:
                pairs[(technique, counter)] += 1
    rows: dict[object, dict[str, list[tuple]]] = {}
    for (technique, counter), n in pairs.items():
        rows.setdefault(technique, {"counters": []})["counters"].append(("", counter, n))
    return rows


def _techniques(
    filterset: CaseStudyFilterSet, vocabulary: _Vocabulary, counts: dict[int, int]
) -> Chart:
    """The most frequent techniques, each with the counters most used against it (the
    search's own DISARM Red and Blue choices left out): one GROUP BY (without a search or
    filter, from an aggregate shared per technique and the reader's own part)."""
    bars = _term_bars(filterset, vocabulary, RED, counts, TOP)
    top = sorted(counts, key=lambda pk: (-counts[pk], vocabulary.terms[pk][1]))[:TOP]
    blue = vocabulary.ids(BLUE)
    base = leaving_out(filterset.selection, RED, BLUE)
    shared = reader_rows_by_key(filterset, "pairs", top, _pairs(blue))
    if shared is None:
        cases = matching(filterset, base.narrow(filterset.searched))
        if isinstance(cases, list):
            pairs = partial(_pairs_of_ids, cases, top, blue)
        else:
            pairs = partial(_pairs(blue, by_tlp=False), cases, top)
        shared = counted(f"insights:pairs:{top}:{blue}", cases, pairs, seq=filterset.seq)
    query = query_maker(base, RED, BLUE)
    by_code = {bar.code: bar for bar in bars}
    for technique in top:
        used: dict[int, int] = defaultdict(int)
        for _tlp, counter, n in shared.get(technique, {}).get("counters", []):
            used[counter] += n
        bar = by_code[vocabulary.terms[technique][1]]
        counters = []
        for counter, n in used.items():
            _slug, code, label, _translations = vocabulary.terms[counter]
            counters.append(
                Bar(code, term_label(BLUE, code, label), n, query(bar.code, code), plain=label)
            )
        counters.sort(key=lambda c: (-c.count, c.code))
        bar.children = counters[:TOP_COUNTERS]
    return Chart(
        "techniques",
        str(_("Most frequent techniques")),
        bars,
        note=str(
            _(
                "The %(top)s DISARM Red techniques on most matching cases; under each, the "
                "DISARM Blue counters most used against it in those cases."
            )
            % {"top": TOP}
        ),
    )


def insights(filterset: CaseStudyFilterSet) -> Insights:
    """Every chart of the insights page for the reader's current search."""
    vocabulary = _Vocabulary.read()
    split = reader_split(filterset)
    counts = _term_counts(filterset, vocabulary, split)
    themes = _term_bars(filterset, vocabulary, "theme", counts["theme"], TOP)
    return Insights(
        selection=filterset.selection,
        timeline=_timeline(filterset),
        regions=_lay_out(
            Chart(
                "region",
                str(_("Cases by region")),
                _term_bars(filterset, vocabulary, "region", counts["region"]),
            )
        ),
        themes=_lay_out(
            Chart(
                "theme",
                str(_("Cases by theme")),
                themes,
                note=str(_("The %(top)s themes on most matching cases.") % {"top": TOP}),
            )
        ),
        effectiveness=_lay_out(_effectiveness(filterset, split)),
        techniques=_lay_out(_techniques(filterset, vocabulary, counts[RED])),
    )


CHARTS = ("time", "region", "theme", "effectiveness", "techniques", "counters", "adopted")
ADOPTED = "adopted"  # the most-adopted practices (``practices.hub.adoptions.most_adopted``)


def adopted_rows(ranking: list[Ranked], case_url) -> list[list]:
    """The page's most-adopted table as CSV rows (a header first), in the page's order and with
    its numbers: the case, its adoptions and their average effect. As on the page, no adopting
    organisation is named (anonymised ones could not be); ``case_url(uuid)`` writes the link to
    the case page."""
    # The API's names for the same figures (``most_adopted`` of /api/v1/insights/).
    rows: list[list] = [["rank", "uuid", "title", "tlp", "adoptions", "average_effect", "url"]]
    for rank, row in enumerate(ranking, 1):
        case = row.case
        average = f"{row.average:.1f}" if row.average is not None else ""
        rows.append(
            [rank, case.uuid, case.title, case.tlp, row.adoptions, average, case_url(case.uuid)]
        )
    return rows


def csv_rows(answer: Insights, chart: str, list_url) -> list[list]:
    """One chart's data as CSV rows (a header first); ``list_url(query)`` writes the link."""

    def link(query: str) -> str:
        return list_url(query) if query else ""

    if chart == "time":
        rows: list[list] = [["year", "quarter", "cases", "year_cases", "year_list"]]
        for year in answer.timeline.years:
            for quarter in year.quarters:
                rows.append(
                    [year.year, quarter.quarter, quarter.count, year.count, link(year.query)]
                )
        if answer.timeline.undated:
            rows.append(["undated", "", answer.timeline.undated, "", ""])
        return rows
    if chart == "counters":
        rows = [["technique", "technique_label", "counter", "counter_label", "cases", "list"]]
        for bar in answer.techniques.bars:
            for counter in bar.children:
                names = [bar.code, bar.plain_label, counter.code, counter.plain_label]
                rows.append([*names, counter.count, link(counter.query)])
        return rows
    source = {c.key: c for c in answer.charts}[chart]
    rows = [["code", "label", "cases", "list"]]
    rows += [[bar.code, bar.plain_label, bar.count, link(bar.query)] for bar in source.bars]
    return rows
