"""Pieces of the browse page: a capped result count, removable filter chips and what to remove
when nothing matches."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from practices.cases.models import CaseStudy
from practices.cases.selectors import card_terms_attach
from practices.discovery.facets import term_label
from practices.discovery.selection import DISARM, TAXONOMY_FACETS, Selection
from practices.vocabularies.labels import language_name
from practices.vocabularies.models import Term

# Counting every visible row on every request is what made the page slow at 100 000 cases.
# Instead the list counts at most COUNT_CAP + 1 rows (``SELECT COUNT(*) FROM (… LIMIT 1001)``),
# which stops early, and says "1,000+" beyond: nobody pages through a thousand results, they
# narrow the search (the facets show by how much).
COUNT_CAP = 1000
SUGGESTIONS = 8  # filters offered for removal when nothing matches (each costs one count)


def capped_count(cases: QuerySet[CaseStudy]) -> int:
    """How many cases, counting no further than ``COUNT_CAP + 1``."""
    return cases.order_by().values("pk")[: COUNT_CAP + 1].count()


class CappedPaginator(Paginator):
    """Page numbers over at most ``COUNT_CAP`` results; ``capped`` says whether there are more.

    ``bounded``: the list is a text search's, so it holds at most ``NEWEST_MATCHES`` cases
    (``search.search_matches``) and its ids, in order, are read in one query that serves both
    the count and the page, instead of a count and then a page that each filter and order it.
    """

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        error_messages=None,
        *,
        bounded=False,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, error_messages)
        self.bounded = bounded

    @cached_property
    def matched(self) -> list[int] | None:
        """The ids of the whole list in order, when they cost at most one query: none for a
        text search (narrowed or not: ``CaseStudyFilterSet.filtered``) read in this request
        and not reordered since (``search.kept_matches``), one for any list of a search
        (``bounded``)."""
        known = getattr(self.object_list, "matched", None)
        if known is None and self.bounded and isinstance(self.object_list, QuerySet):
            known = list(self.object_list.values_list("pk", flat=True))
        return known

    @cached_property
    def count(self) -> int:
        found = capped_count(self.object_list) if self.matched is None else len(self.matched)
        self.capped = found > COUNT_CAP
        return min(found, COUNT_CAP)

    def _get_page(self, object_list, number, paginator):
        # The page's ids first, then its rows: ordering needs only indexed columns, but a
        # query of whole rows reads every candidate's wide row before it sorts (a search
        # orders its 2 000 matches to show twenty).
        if isinstance(object_list, QuerySet):
            if self.matched is None:
                ids = list(object_list.values_list("pk", flat=True))
            else:  # the slice Paginator.page took, of the ids already in order
                ids = self.matched[object_list.query.low_mark : object_list.query.high_mark]
            # The rows through the list's own queryset (the reader's visibility, again), or the
            # one a search's matches were kept from (``search.kept_matches``), without its
            # prefetches: the page reads what its cards show itself, the terms as plain rows (a
            # prefetch added to the list would have to be added here too).
            rows = {}
            if ids:
                source = getattr(self.object_list, "rows_from", self.object_list)
                found = source.filter(pk__any=ids).order_by().prefetch_related(None)
                rows = {case.pk: case for case in found}
            object_list = [rows[pk] for pk in ids if pk in rows]
            card_terms_attach(object_list)
        return super()._get_page(object_list, number, paginator)


@dataclass
class Chip:
    """One active filter, removable by itself: ``href`` is this search without it."""

    label: str
    name: str
    value: str
    selection: Selection

    @property
    def href(self) -> str:
        return "?" + self.selection.query()


def filter_chips(selection: Selection, known: dict[tuple[str, str], Term]) -> list[Chip]:
    """Readable labels ("DISARM T0086 Degrade adversary") for every active filter."""
    chips = []
    if selection.text:
        label = _("Search: “%(words)s”") % {"words": selection.text}
        chips.append(Chip(label, "q", "", selection.removing("q")))
    for slug, codes in selection.tags.items():
        for code in codes:
            term = known.get((slug, code))
            if term is None:  # an unknown code matches nothing; still say what it was
                label = f"{slug}: {code}"
            elif slug in DISARM:
                label = f"DISARM {term_label(slug, code, term.label)}"
            else:
                label = f"{TAXONOMY_FACETS.get(slug, term.taxonomy.name)}: {term.display_label}"
            value = f"{slug}:{code}"
            chips.append(Chip(label, "tag", value, selection.removing("tag", value)))
    tlp_labels = dict(CaseStudy.TLP.choices)
    for value in selection.tlp:
        chips.append(Chip(tlp_labels[value], "tlp", value, selection.removing("tlp", value)))
    for year in selection.years:
        chips.append(
            Chip(
                _("Incident year %(year)s") % {"year": year},
                "year",
                str(year),
                selection.removing("year", str(year)),
            )
        )
    effectiveness_labels = dict(CaseStudy.Effectiveness.choices)
    for value in selection.effectiveness:
        chips.append(
            Chip(
                _("Effectiveness: %(rating)s") % {"rating": effectiveness_labels[value]},
                "effectiveness",
                value,
                selection.removing("effectiveness", value),
            )
        )
    for value in selection.languages:
        chips.append(
            Chip(
                _("Written in: %(language)s") % {"language": language_name(value)},
                "written_in",
                value,
                selection.removing("written_in", value),
            )
        )
    bounds = (
        ("period_from", _("Active on or after %(date)s")),
        ("period_to", _("Active by %(date)s")),
    )
    for name, words in bounds:
        day = getattr(selection, name)
        if day:
            label = words % {"date": date_format(day, "DATE_FORMAT")}
            chips.append(Chip(label, name, "", selection.removing(name)))
    return chips


@dataclass
class Suggestion:
    chip: Chip
    count: int
    capped: bool


def removal_suggestions(
    base: QuerySet[CaseStudy], chips: list[Chip], *, reader=None, seq: int | None = None
) -> list[Suggestion]:
    """When nothing matches: each active filter with the number of results its removal would
    give, most first, so the first one is the narrowest filter (we chose to show them all,
    up to ``SUGGESTIONS``, rather than only the best: the reader picks what matters less).
    ``seq``: the change feed's number the request read (read here if not given)."""
    suggestions = []
    for chip in chips[:SUGGESTIONS]:
        selection = chip.selection
        found = capped_count(selection.narrow(selection.search(base, reader=reader, seq=seq)))
        suggestions.append(Suggestion(chip, min(found, COUNT_CAP), found > COUNT_CAP))
    return sorted(suggestions, key=lambda s: -s.count)
