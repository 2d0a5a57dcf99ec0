"""Facet counts beside the results: per taxonomy term, TLP, incident year and effectiveness.

Every count is computed from the list's own queryset (``CaseStudyFilterSet.filtered``, which
starts from ``visible_to``), so a count never reflects a case the reader may not read.

The rule chosen for multi-select (the usual one in faceted search): the counts of a family are
computed with every filter *except that family's own selection*. With ``country=JP`` chosen,
the country facet still shows how many cases Korea or Australia would add, so other values stay
selectable (OR within a family), while every other facet counts within Japan (AND across
families). A count is therefore always the length of the list you get by choosing that value
alone in its family, with the other filters as they are.

A search's counts (its matches are at most ``search.NEWEST_MATCHES`` ids, which this request
read or checked through the reader's queryset) come from each worker's memory of the cases'
facts instead (``case_facts``): the database decides which cases are counted, the memory only
what each carries. Otherwise, and for the rest below, they are counted in the database.

Queries: one for the families without a selection (a GROUP BY over the terms' through table
and one over the cases for TLP, year, effectiveness and language, joined by UNION ALL over the
list's cases read once), and one more of either kind per family that has a selection (it needs
its own base). That is bounded by the number of families, never by the number of cases or
terms.

The unfiltered page (no search, no filter: the page everyone lands on) would group every visible
case's terms on every request — about a second at 100 000 cases. There the counts come in two
parts instead. The published cases of the TLPs a reader sees *whole*
(``CaseStudyQuerySet.tlps_published_to``: CLEAR for visitors, CLEAR and GREEN for members, all
for moderators) are counted once per TLP into an aggregate shared by every reader, cached under
the change feed's last sequence number — every case write takes a new number in its own
transaction, so a cached aggregate is never older than the last committed change, and no
invalidation can be missed. Only the rest of what the reader may see (their organisation's and
their recipient AMBER cases) is counted live, and it is small. A cache outage only costs speed:
the aggregate is then recomputed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.discovery import case_facts
from practices.discovery.counted import counted
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.refreshing import aggregate_cached, kept_for_others
from practices.discovery.selection import (
    DISARM,
    EFFECTIVENESS,
    TAXONOMY_FACETS,
    TLPS,
    Selection,
)
from practices.moderation.keywords import KEYWORD
from practices.sync.feed import last_seq
from practices.vocabularies.labels import active_language, language_name, term_display_label
from practices.vocabularies.models import Term

TOP = 8  # shown at once; the rest behind "show all"
LISTED = 60  # written out at most per facet; beyond that the term search finds the others
SCALAR_FAMILIES = {
    "tlp": "tlp",
    "year": "year",
    "effectiveness": "effectiveness",
    "written_in": "language",
}


@dataclass
class FacetValue:
    """One choosable value: ``name``/``value`` are its URL parameter, ``count`` the length of
    the list with this value chosen (alone in its family)."""

    name: str
    value: str
    label: str
    count: int
    selected: bool
    code: str = ""


@dataclass
class Facet:
    family: str
    title: str
    values: list[FacetValue] = field(default_factory=list)
    searchable: bool = False  # offers the server-side term search

    @property
    def top(self) -> list[FacetValue]:
        return self.values[:TOP]

    @property
    def rest(self) -> list[FacetValue]:
        return self.values[TOP:LISTED]

    @property
    def unlisted(self) -> int:
        return max(len(self.values) - LISTED, 0)


def term_label(
    slug: str, code: str, label: str, translations: dict | None = None, reader: str | None = None
) -> str:
    # DISARM people speak in ids (T0086, C00159); elsewhere the code is internal, and the
    # label is shown in the reader's language (practices.vocabularies.labels), which a caller
    # labelling hundreds of terms passes once.
    if slug in DISARM:
        return f"{code} {label}" if code != label else label
    return term_display_label(slug, code, label, translations, reader)


def selected_terms(
    selection: Selection, *, readable: QuerySet[CaseStudy]
) -> dict[tuple[str, str], Term]:
    """The chosen terms by (taxonomy, code), in one query (unknown codes are simply absent).

    Vocabulary terms are not secret; free keywords are (they summarise the cases they were
    typed on), so a chosen keyword is known, and named by its label, only when a case of
    ``readable`` (built from ``visible_to``) carries it. Otherwise it is shown as typed, like
    a code that does not exist: a chip must not tell whether another organisation's draft
    holds a keyword, nor how it is spelt."""
    condition = Q()
    for slug, codes in selection.tags.items():
        chosen = Q(taxonomy__slug=slug, code__in=codes)
        if slug == KEYWORD:
            chosen &= Q(pk__in=Term.objects.used_on(readable).values("pk"))
        condition |= chosen
    if not condition:
        return {}
    terms = Term.objects.filter(condition).select_related("taxonomy")
    return {(term.taxonomy.slug, term.code): term for term in terms}


def _ids(cases: QuerySet[CaseStudy]) -> QuerySet:
    return cases.order_by().values("pk")


def _term_counts(cases: QuerySet[CaseStudy]) -> Counter[int]:
    """How many of these cases carry each term (any taxonomy), by term id."""
    # Grouped by the bare id, over the (case, term) index: grouping by the term's label and
    # translations as well (joined first) took twice as long for a broad search.
    rows = (
        CaseStudy.terms.through.objects.filter(casestudy_id__in=_ids(cases))
        .values_list("term_id")
        .annotate(count=Count("casestudy_id"))
        .order_by()
    )
    return Counter(dict(rows))


def _term_rows(counts: Counter[int], slugs: list[str]) -> list[dict]:
    """One row per counted term of these taxonomies: its taxonomy, code, labels and count."""
    if not counts:
        return []
    # An English reader reads the stored labels (``term_display_label``): decoding the
    # translations of a thousand terms from JSON cost a first facet panel 3-8 ms for nothing.
    translated = active_language() != "en"
    columns = ["pk", "taxonomy__slug", "code", "label"] + (["translations"] if translated else [])
    terms = Term.objects.filter(pk__any=list(counts), taxonomy__slug__in=slugs)
    return [
        {
            "term__taxonomy__slug": slug,
            "term__code": code,
            "term__label": label,
            "term__translations": translations[0] if translations else None,
            "count": counts[pk],
        }
        for pk, slug, code, label, *translations in terms.values_list(*columns)
    ]


def _scalar_rows(cases: QuerySet[CaseStudy]) -> list[dict]:
    return list(
        CaseStudy.objects.filter(pk__in=_ids(cases))
        .values("tlp", "effectiveness", "language", year=ExtractYear("incident_start"))
        .annotate(count=Count("pk"))
        .order_by()
    )


def _both_counts(cases: QuerySet[CaseStudy]) -> tuple[Counter[int], list[dict]]:
    """``_term_counts`` and ``_scalar_rows`` of these cases in one query.

    Each case is read, and its visibility checked, once for both kinds of count instead of
    once for each: the scalar query read the rows of a search's 2 000 matches a second time
    (15-20 ms of its first facets at 100 000 cases)."""
    try:
        sql, params = (
            cases.order_by()
            .annotate(facet_year=ExtractYear("incident_start"))
            .values_list("pk", "tlp", "effectiveness", "language", "facet_year")
            .query.sql_with_params()
        )
    except EmptyResultSet:  # visible_to gave nothing
        return Counter(), []
    link = CaseStudy.terms.through._meta
    case_column = link.get_field("casestudy").column
    term_column = link.get_field("term").column
    # The CTE names the SELECT's columns by position: values_list writes them in the order
    # named above. Each case counts once in both branches (IN for the terms, DISTINCT id for
    # the rest), as the separate counts did, even if a filter ever joined a relation. Read
    # twice, the CTE is computed once on both databases without the MATERIALIZED keyword
    # (which SQLite only knows from 3.35).
    combined = (
        "WITH kept (id, tlp, effectiveness, language, year) AS ("  # noqa: S608
        f"{sql}) "
        f"SELECT link.{term_column}, NULL, NULL, NULL, NULL, COUNT(*) FROM {link.db_table} link "
        f"WHERE link.{case_column} IN (SELECT id FROM kept) GROUP BY link.{term_column} "
        "UNION ALL "
        "SELECT NULL, tlp, effectiveness, language, year, COUNT(DISTINCT id) FROM kept "
        "GROUP BY tlp, effectiveness, language, year"
    )
    terms: Counter[int] = Counter()
    scalars = []
    with connection.cursor() as cursor:
        cursor.execute(combined, params)
        for term_id, tlp, effectiveness, language, year, count in cursor.fetchall():
            if term_id is not None:
                terms[term_id] = count
            else:
                year = None if year is None else int(year)  # PostgreSQL's EXTRACT: numeric
                scalars.append(
                    {
                        "tlp": tlp,
                        "effectiveness": effectiveness,
                        "language": language,
                        "year": year,
                        "count": count,
                    }
                )
    return terms, scalars


def _remembered(cases: QuerySet[CaseStudy]) -> tuple[Counter[int], list[dict]] | None:
    """The term counts and scalar rows of a search's matches, counted from this process's
    memory of the cases' facts (``case_facts``); None when they are counted in the database.

    The memory is only told ids read from the reader's queryset in this request: the search's
    own (``.matched``), or, for matches kept from an earlier request (``.ranked``, which a
    write that bypassed the services may have hidden since), the ids that queryset still
    returns, read again (a few milliseconds for 2 000 against 25-30 to group their links)."""
    if getattr(cases, "ranked", None) is None:
        return None  # not a search: its cases may be every visible case
    ids = getattr(cases, "matched", None)
    if ids is None:
        ids = list(cases.order_by().values_list("pk", flat=True))
    return case_facts.facet_counts(ids)


def _both_counted(cases: QuerySet[CaseStudy]) -> tuple[Counter[int], list[dict]]:
    return _remembered(cases) or _both_counts(cases)


def _terms_counted(cases: QuerySet[CaseStudy]) -> Counter[int]:
    remembered = _remembered(cases)
    return _term_counts(cases) if remembered is None else remembered[0]


def _scalars_counted(cases: QuerySet[CaseStudy]) -> list[dict]:
    remembered = _remembered(cases)
    return _scalar_rows(cases) if remembered is None else remembered[1]


def _list_counts(filterset: CaseStudyFilterSet) -> tuple[Counter[int], list[dict]]:
    """The term counts and scalar rows of the list itself (every family's selection applied),
    read once per request for both kinds of facet and kept for the next (``counted``)."""
    if not hasattr(filterset, "_list_counts"):
        cases = filterset.filtered()
        filterset._list_counts = counted(
            "facets:both", cases, partial(_both_counted, cases), seq=filterset.seq
        )
    return filterset._list_counts


def _kept_term_counts(filterset: CaseStudyFilterSet, cases: QuerySet[CaseStudy]) -> Counter[int]:
    """``_term_counts``, kept for the next page of the same search (``counted``)."""
    return counted("facets:terms", cases, partial(_terms_counted, cases), seq=filterset.seq)


def _kept_scalar_rows(filterset: CaseStudyFilterSet, cases: QuerySet[CaseStudy]) -> list[dict]:
    return counted("facets:scalars", cases, partial(_scalars_counted, cases), seq=filterset.seq)


# --- The unfiltered page: a shared aggregate plus the reader's own part ------------------------

# Every write through the services moves the feed number, so this only bounds how long a
# write that bypasses them (a bulk SQL load, a restored backup) goes uncounted.
AGGREGATE_TIMEOUT = 10 * 60


def published_aggregate(seq: int | None = None) -> dict[str, list[tuple]]:
    """Term and scalar counts of every published case, per TLP (cached; see the docstring),
    as of the feed's number ``seq`` (read now if not given)."""
    key = f"practices:facets:published:{database_address()}:{last_seq() if seq is None else seq}"
    aggregate = aggregate_cached(key)
    if aggregate is None:
        published = CaseStudy.objects.published()
        through = CaseStudy.terms.through.objects.filter(
            casestudy__in=published, term__taxonomy__slug__in=list(TAXONOMY_FACETS)
        )
        aggregate = {
            "terms": list(
                through.values_list("casestudy__tlp", "term_id")
                .annotate(count=Count("casestudy_id"))
                .order_by()
            ),
            "scalars": list(
                published.values_list(
                    "tlp", "effectiveness", "language", ExtractYear("incident_start")
                )
                .annotate(count=Count("pk"))
                .order_by()
            ),
        }
        kept_for_others({key: aggregate}, AGGREGATE_TIMEOUT)
    return aggregate


@dataclass
class Split:
    """The unfiltered page's cases: the published cases of the ``whole`` TLPs, counted from the
    shared aggregate, and ``live``, the ids of the other cases the reader may see (their
    organisation's and their recipient cases: a few thousand at most, often none)."""

    whole: frozenset[str]
    live: list[int]
    seq: int  # the feed's last number, read once per request (``CaseStudyFilterSet.seq``)

    @property
    def live_cases(self) -> QuerySet[CaseStudy]:
        return CaseStudy.objects.filter(pk__any=self.live)

    @cached_property
    def aggregate(self) -> dict[str, list[tuple]]:
        return published_aggregate(self.seq)


def reader_split(filterset: CaseStudyFilterSet) -> Split | None:
    """How to count the unfiltered page; None when a search or filter is chosen (then
    everything is counted live). Computed once per request: both facet kinds use it, and so
    do the pages across cases (``practices.insights.shared``)."""
    if filterset.actor is None or filterset.selection.narrows:
        return None
    if not hasattr(filterset, "_facet_split"):
        whole = CaseStudy.objects.tlps_published_to(filterset.actor)
        # The other TLPs named (not excluded) so the (status, tlp) index narrows the visibility
        # check to them, and the ids read first: grouping the term links of a subquery let the
        # planner scan all of them even when the subquery was empty.
        others = sorted(set(CaseStudy.TLP.values) - whole)
        live = filterset.filtered().filter(tlp__in=others).order_by().values_list("pk", flat=True)
        filterset._facet_split = Split(whole, list(live), filterset.seq)
    return filterset._facet_split


def unfiltered_term_counts(split: Split) -> Counter[int]:
    counts: Counter[int] = Counter()
    for tlp, term_id, count in split.aggregate["terms"]:
        if tlp in split.whole:
            counts[term_id] += count
    if split.live:
        # The reader's own part, kept for their next request (``counted``).
        cases = split.live_cases
        counts.update(counted("facets:terms", cases, partial(_term_counts, cases), seq=split.seq))
    return counts


def unfiltered_scalar_rows(split: Split) -> list[dict]:
    rows = [
        {"tlp": tlp, "effectiveness": effectiveness, "language": lang, "year": year, "count": n}
        for tlp, effectiveness, lang, year, n in split.aggregate["scalars"]
        if tlp in split.whole
    ]
    if not split.live:
        return rows
    cases = split.live_cases
    return rows + counted("facets:scalars", cases, partial(_scalar_rows, cases), seq=split.seq)


def case_facets(filterset: CaseStudyFilterSet) -> list[Facet]:
    """The facet panel for this request, from the filterset's own queryset."""
    selection = filterset.selection
    chosen = set(selection.families())
    known = selected_terms(selection, readable=filterset.queryset)
    facets = _taxonomy_facets(filterset, selection, chosen, known)
    facets += _scalar_facets(filterset, selection, chosen)
    return facets


def _taxonomy_facets(filterset, selection, chosen, known) -> list[Facet]:
    rows_by_slug: dict[str, list[dict]] = {slug: [] for slug in TAXONOMY_FACETS}
    unchosen = [slug for slug in TAXONOMY_FACETS if slug not in chosen]
    if split := reader_split(filterset):
        rows = _term_rows(unfiltered_term_counts(split), unchosen)
    else:
        rows = _term_rows(_list_counts(filterset)[0], unchosen) if unchosen else []
    for slug in TAXONOMY_FACETS:
        if slug in chosen:
            rows += _term_rows(
                _kept_term_counts(filterset, filterset.filtered(without=slug)), [slug]
            )
    for row in rows:
        rows_by_slug[row["term__taxonomy__slug"]].append(row)

    facets = []
    reader = active_language()
    for slug, title in TAXONOMY_FACETS.items():
        values = {
            row["term__code"]: FacetValue(
                name="tag",
                value=f"{slug}:{row['term__code']}",
                label=term_label(
                    slug, row["term__code"], row["term__label"], row["term__translations"], reader
                ),
                count=row["count"],
                selected=row["term__code"] in selection.tags.get(slug, []),
                code=row["term__code"],
            )
            for row in rows_by_slug[slug]
        }
        for code in selection.tags.get(slug, []):
            if code not in values:  # chosen, but no case left with it: still removable
                term = known.get((slug, code))
                label = term_label(slug, code, term.label, term.translations) if term else code
                values[code] = FacetValue("tag", f"{slug}:{code}", label, 0, True, code)
        ordered = sorted(values.values(), key=lambda v: (not v.selected, -v.count, v.label))
        facets.append(
            Facet(
                family=slug,
                title=title,
                values=ordered,
                searchable=slug == "country" or len(ordered) > TOP,
            )
        )
    return facets


def _scalar_facets(filterset, selection, chosen) -> list[Facet]:
    counts: dict[str, Counter] = {family: Counter() for family in SCALAR_FAMILIES}
    unchosen = [family for family in SCALAR_FAMILIES if family not in chosen]
    if unchosen:
        split = reader_split(filterset)
        rows = unfiltered_scalar_rows(split) if split else _list_counts(filterset)[1]
        for row in rows:
            for family in unchosen:
                counts[family][row[SCALAR_FAMILIES[family]]] += row["count"]
    for family in SCALAR_FAMILIES:
        if family in chosen:
            for row in _kept_scalar_rows(filterset, filterset.filtered(without=family)):
                counts[family][row[SCALAR_FAMILIES[family]]] += row["count"]

    tlp_labels = dict(CaseStudy.TLP.choices)
    effectiveness_labels = dict(CaseStudy.Effectiveness.choices)
    years = sorted({y for y in counts["year"] if y is not None} | set(selection.years))
    return [
        Facet(
            "tlp",
            "TLP",
            [
                FacetValue("tlp", v, tlp_labels[v], counts["tlp"][v], v in selection.tlp)
                for v in TLPS
                if counts["tlp"][v] or v in selection.tlp
            ],
        ),
        Facet(
            "year",
            _("Incident year"),
            [
                FacetValue("year", str(y), str(y), counts["year"][y], y in selection.years)
                for y in reversed(years)
            ],
        ),
        Facet(
            "effectiveness",
            _("Effectiveness"),
            [
                FacetValue(
                    "effectiveness",
                    v,
                    effectiveness_labels[v],
                    counts["effectiveness"][v],
                    v in selection.effectiveness,
                )
                for v in EFFECTIVENESS
                if counts["effectiveness"][v] or v in selection.effectiveness
            ],
        ),
        Facet(
            "written_in",
            _("Written in"),
            sorted(
                (
                    FacetValue(
                        "written_in",
                        code,
                        language_name(code),
                        counts["written_in"][code],
                        code in selection.languages,
                    )
                    for code in {*counts["written_in"], *selection.languages}
                    if counts["written_in"][code] or code in selection.languages
                ),
                key=lambda v: (not v.selected, -v.count, v.label),
            ),
        ),
    ]
