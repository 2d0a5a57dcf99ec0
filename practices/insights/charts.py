"""The insights page: cases over time, by region and by theme, the effectiveness of responses,
the most frequent techniques with the counters used against them. Figures as in
``selectors``: each chart counts the reader's matching cases (``CaseStudyFilterSet.for_reader``,
which starts from ``visible_to``) without the search's own choice in the family it breaks down,
and each bar links to the browse list with that family set to its value, which holds exactly
that many cases. A quarter has no filter of its own: its bar has no link, but each year's total
links to the list of that year.

Each chart is one GROUP BY (the techniques' counters one more): a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.facets import term_label
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import Selection
from practices.hub.adoptions import Ranked
from practices.insights.selectors import (
    BLUE,
    EFFECTIVENESS_ORDER,
    RED,
    _ids,
    _links,
    choosing,
    effectiveness_label,
    leaving_out,
)

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


def _term_bars(filterset: CaseStudyFilterSet, slug: str, limit: int | None = None) -> list[Bar]:
    """The terms of taxonomy ``slug`` on the matching cases (the search's own choice in it left
    out), most cases first: one GROUP BY."""
    base = leaving_out(filterset.selection, slug)
    chosen = set(filterset.selection.tags.get(slug, []))
    rows = (
        _links(filterset.filtered(without=slug), slug)
        .values_list("term__code", "term__label", "term__translations")
        .annotate(n=Count("casestudy_id"))
        .order_by()
    )
    bars = [
        Bar(
            code,
            term_label(slug, code, label, translations),
            n,
            choosing(base, **{slug: code}).query(),
            chosen=code in chosen,
            plain=label,
        )
        for code, label, translations, n in rows
    ]
    bars.sort(key=lambda bar: (-bar.count, bar.code))
    return bars[:limit] if limit else bars


def _timeline(filterset: CaseStudyFilterSet) -> Timeline:
    """Matching cases by the quarter their incident started (the search's years left out, so
    that the others stay in view); every quarter from the first to the last is shown."""
    base = replace(filterset.selection, years=[])
    rows = (
        CaseStudy.objects.filter(pk__in=_ids(filterset.filtered(without="year")))
        .annotate(y=ExtractYear("incident_start"), q=ExtractQuarter("incident_start"))
        .values_list("y", "q")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, int], int] = {}
    undated = 0
    for year, quarter, n in rows:
        if year is None:
            undated += n
        else:
            counts[(int(year), int(quarter))] = n
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


def _effectiveness(filterset: CaseStudyFilterSet) -> Chart:
    base = replace(filterset.selection, effectiveness=[])
    counts = dict(
        CaseStudy.objects.filter(pk__in=_ids(filterset.filtered(without="effectiveness")))
        .values_list("effectiveness")
        .annotate(n=Count("pk"))
        .order_by()
    )
    chosen = set(filterset.selection.effectiveness)
    bars = [
        Bar(
            value,
            effectiveness_label(value),
            counts.get(value, 0),
            choosing(base, effectiveness=value).query(),
            chosen=value in chosen,
        )
        for value in EFFECTIVENESS_ORDER
    ]
    return Chart("effectiveness", str(_("Effectiveness of responses")), bars)


def _techniques(filterset: CaseStudyFilterSet) -> Chart:
    """The most frequent techniques, each with the counters most used against it (the
    search's own DISARM Red and Blue choices left out): two GROUP BYs."""
    bars = _term_bars(filterset, RED, TOP)
    base = leaving_out(filterset.selection, RED, BLUE)
    by_code = {bar.code: bar for bar in bars}
    cases = base.narrow(filterset.searched)
    pairs = (
        _links(cases, RED)
        .filter(term__code__in=list(by_code), casestudy__terms__taxonomy__slug=BLUE)
        .values_list("term__code", "casestudy__terms__code", "casestudy__terms__label")
        .annotate(n=Count("casestudy_id"))
        .order_by()
    )
    used: dict[str, list[Bar]] = defaultdict(list)
    for technique, code, label, n in pairs:
        query = choosing(base, **{RED: technique, BLUE: code}).query()
        used[technique].append(Bar(code, term_label(BLUE, code, label), n, query, plain=label))
    for bar in bars:
        counters = sorted(used.get(bar.code, []), key=lambda c: (-c.count, c.code))
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
    themes = _term_bars(filterset, "theme", TOP)
    return Insights(
        selection=filterset.selection,
        timeline=_timeline(filterset),
        regions=_lay_out(
            Chart("region", str(_("Cases by region")), _term_bars(filterset, "region"))
        ),
        themes=_lay_out(
            Chart(
                "theme",
                str(_("Cases by theme")),
                themes,
                note=str(_("The %(top)s themes on most matching cases.") % {"top": TOP}),
            )
        ),
        effectiveness=_lay_out(_effectiveness(filterset)),
        techniques=_lay_out(_techniques(filterset)),
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
