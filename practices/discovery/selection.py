"""What a reader asked the browse page for, read from the URL and written back into links.

The whole state of a search lives in the query string, so a search can be shared and the back
button works: ``q``, ``tag=taxonomy:code`` (repeatable), ``tlp``, ``year``, ``effectiveness`` and
``written_in`` (the case's own language, an ISO 639-1 code; repeatable),
``period_from``/``period_to``, ``sort`` and ``page``. Older links carry
``region=`` and ``country=``; they are read as ``tag=region:…`` and ``tag=country:…`` and every
link the page writes uses ``tag=`` only.

Within one family (one taxonomy, TLP, year, effectiveness) the chosen values are ORed; families
are ANDed. ``Selection.apply(queryset, without=family)`` leaves one family out: facet counts of a
family are computed without its own selection (see ``practices.discovery.facets``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.discovery.query import parse
from practices.discovery.search import search_matches

# The taxonomies offered as facets, in the order the panel shows them. Free keywords are not a
# facet: they are written by people and may name things only some readers may read.
TAXONOMY_FACETS: dict[str, str] = {
    "disarm-red": "DISARM Red",  # the framework's own names, as published
    "disarm-blue": "DISARM Blue",
    "country": _("Country"),
    "language": _("Language"),
    "platform": _("Platform"),
    "theme": _("Theme"),
    "threat-actor": _("Threat actor"),
    "region": _("Region"),
}
DISARM = ("disarm-red", "disarm-blue")
LEGACY_TAG_PARAMS = ("region", "country")

SORT_RELEVANCE, SORT_NEWEST, SORT_INCIDENT = "relevance", "newest", "incident"
SORTS = {
    SORT_RELEVANCE: _("Relevance"),
    SORT_NEWEST: _("Newest first"),
    SORT_INCIDENT: _("Incident date, latest first"),
}
TLPS = [value for value, _ in CaseStudy.TLP.choices if value != CaseStudy.TLP.RED]
EFFECTIVENESS = [value for value, _ in CaseStudy.Effectiveness.choices]
MIN_YEAR, MAX_YEAR = 1900, 2100
# The URL's parameters, in the order ``Selection.pairs`` writes them (and ``Toggling`` keeps).
PARAMETERS = (
    "q",
    "tag",
    "tlp",
    "year",
    "effectiveness",
    "written_in",
    "period_from",
    "period_to",
    "sort",
)


def _unique(values) -> list:
    return list(dict.fromkeys(v for v in values if v not in ("", None)))


def tags_parse(values: list[str]) -> dict[str, list[str]]:
    """``["country:JP", "disarm-red:T0086,country:KR"]`` → ``{"country": ["JP", "KR"], …}``;
    anything without a taxonomy and a code is dropped."""
    grouped: dict[str, list[str]] = {}
    for value in values:
        for part in str(value).split(","):
            slug, colon, code = part.strip().partition(":")
            if colon and slug and code.strip():
                codes = grouped.setdefault(slug.strip(), [])
                if code.strip() not in codes:
                    codes.append(code.strip())
    return grouped


# What a ``tag`` value may hold: "taxonomy:code" parts, comma-separated, each with something
# other than white space on both sides of its first colon; a ``region`` or ``country`` value is
# a code alone. White space is spelled out rather than written \s, so that Python and the
# ECMAScript patterns of the OpenAPI schema (which carries these) read it alike.
_SPACE = "\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TAG_CODE = rf"[^,\x00]*[^{_SPACE},\x00][^,\x00]*"
_TAG_PART = rf"[^,:\x00]*[^{_SPACE},:\x00][^,:\x00]*:{TAG_CODE}"
TAG_PATTERN = rf"^({_TAG_PART}(,{_TAG_PART})*)?$"  # empty: not given
CODE_PATTERN = rf"^({TAG_CODE})?$"  # empty: not given


def legacy_tags(data: dict) -> list[str]:
    """The tags that ``region=`` and ``country=`` of older links stand for."""
    found = []
    for name in LEGACY_TAG_PARAMS:
        if data.get(name):
            # Country codes are upper case (ISO 3166); older links may not be.
            value = data[name].upper() if name == "country" else data[name]
            found.append(f"{name}:{value}")
    return found


# More vocabularies than the portal has (``vocabularies.loaders.VOCABULARIES``): tags naming
# more name one that does not exist, and no case carries a term of each, so nothing is listed.
# Said before building one EXISTS per vocabulary, which PostgreSQL plans as joins: a hundred
# made-up vocabularies in one request kept it planning for half a minute.
MAX_TAG_FAMILIES = 12


def tags_refused(values: list[str]) -> list[str]:
    """The ``tag`` values that are not "taxonomy:code" parts (``TAG_PATTERN``): left out, as
    ``tags_parse`` would leave them, they would widen the list they were meant to narrow."""
    return [value for value in values if not re.fullmatch(TAG_PATTERN, str(value))]


@dataclass
class Selection:
    """One browse request's filters, sort and page, already validated."""

    text: str = ""
    tags: dict[str, list[str]] = field(default_factory=dict)
    tlp: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    effectiveness: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ``written_in``
    period_from: datetime.date | None = None
    period_to: datetime.date | None = None
    sort: str = ""

    @classmethod
    def from_cleaned(cls, data: dict) -> Selection:
        tag_values = [*(data.get("tag") or []), *legacy_tags(data)]
        text = (data.get("q") or "").strip()
        if not parse(text):  # nothing searchable ("!!!", "-x"): the page without a search
            text = ""
        sort = data.get("sort") or ""
        if sort not in SORTS or (sort == SORT_RELEVANCE and not text):
            sort = ""
        return cls(
            text=text,
            tags=tags_parse(tag_values),
            tlp=_unique(data.get("tlp") or []),
            years=sorted(_unique(int(y) for y in data.get("year") or []), reverse=True),
            effectiveness=_unique(data.get("effectiveness") or []),
            languages=_unique(data.get("written_in") or []),
            period_from=data.get("period_from"),
            period_to=data.get("period_to"),
            sort=sort,
        )

    # --- Which sort applies --------------------------------------------------------------------

    @property
    def effective_sort(self) -> str:
        """Relevance when there is text to be relevant to, newest otherwise, unless asked."""
        return self.sort or (SORT_RELEVANCE if self.text else SORT_NEWEST)

    def families(self) -> list[str]:
        """The facet families that have a selection (taxonomy slugs, ``tlp``, ``year``, …)."""
        chosen = [slug for slug, codes in self.tags.items() if codes]
        for name in ("tlp", "years", "effectiveness"):
            if getattr(self, name):
                chosen.append("year" if name == "years" else name)
        if self.languages:
            chosen.append("written_in")
        return chosen

    @property
    def narrows(self) -> bool:
        """Whether anything narrows the list: words, a facet value or the incident period."""
        return bool(self.text or self.families() or self.period_from or self.period_to)

    # --- Narrowing a queryset ------------------------------------------------------------------

    def search(
        self, queryset: QuerySet[CaseStudy], *, reader=None, seq: int | None = None
    ) -> QuerySet[CaseStudy]:
        """The text part alone (it decides relevance, and on PostgreSQL whether typos are
        tried), so that it runs once however many facet variants are built on it; a broad
        search keeps its newest matches (``search.search_matches``)."""
        if not self.text:
            return queryset
        return search_matches(queryset, self.text, reader=reader, seq=seq)

    def narrow(self, queryset: QuerySet[CaseStudy], *, without: str | None = None):
        """Every filter except the text and except family ``without``."""
        tags = {slug: codes for slug, codes in self.tags.items() if slug != without}
        if len(tags) > MAX_TAG_FAMILIES:
            return queryset.none()
        through = CaseStudy.terms.through.objects
        for slug, codes in tags.items():
            # One EXISTS per taxonomy over the indexed through table: OR within, AND across,
            # and rows are never multiplied.
            queryset = queryset.filter(
                Exists(
                    through.filter(
                        casestudy_id=OuterRef("pk"),
                        term__taxonomy__slug=slug,
                        term__code__in=codes,
                    )
                )
            )
        if self.tlp and without != "tlp":
            queryset = queryset.filter(tlp__in=self.tlp)
        if self.years and without != "year":
            in_years = Q()
            for year in self.years:
                in_years |= Q(
                    incident_start__gte=datetime.date(year, 1, 1),
                    incident_start__lt=datetime.date(year + 1, 1, 1),
                )
            queryset = queryset.filter(in_years)
        if self.effectiveness and without != "effectiveness":
            queryset = queryset.filter(effectiveness__in=self.effectiveness)
        if self.languages and without != "written_in":
            queryset = queryset.filter(language__in=self.languages)
        if self.period_from:
            queryset = queryset.filter(
                Q(incident_end__gte=self.period_from)
                | Q(incident_end__isnull=True, incident_start__isnull=False)
            )
        if self.period_to:
            queryset = queryset.filter(incident_start__lte=self.period_to)
        return queryset

    def ordered(self, queryset: QuerySet[CaseStudy]) -> QuerySet[CaseStudy]:
        sort = self.effective_sort
        if sort == SORT_RELEVANCE:
            return queryset  # case_search ordered it by rank, then recency
        if sort == SORT_INCIDENT:
            return queryset.order_by(
                F("incident_start").desc(nulls_last=True),
                F("published_at").desc(nulls_last=True),
                "-pk",
            )
        # Published cases all have published_at: the plain descending order is the index's.
        return queryset.order_by("-published_at", "-pk")

    # --- Back into the URL ---------------------------------------------------------------------

    def pairs(self) -> list[tuple[str, str]]:
        """The canonical query string, as (name, value) pairs in ``PARAMETERS`` order: legacy
        names become ``tag``."""
        values = {
            "q": [self.text] if self.text else [],
            "tag": [f"{slug}:{code}" for slug, codes in self.tags.items() for code in codes],
            "tlp": list(self.tlp),
            "year": [str(value) for value in self.years],
            "effectiveness": list(self.effectiveness),
            "written_in": list(self.languages),
            "period_from": [self.period_from.isoformat()] if self.period_from else [],
            "period_to": [self.period_to.isoformat()] if self.period_to else [],
            "sort": [self.sort] if self.sort else [],
        }
        return [(name, value) for name in PARAMETERS for value in values[name]]

    def query(self, **extra: str) -> str:
        return urlencode(self.pairs() + [(k, v) for k, v in extra.items() if v])

    def adding(self, name: str, value: str) -> Selection:
        """This selection with one more value (``name`` as in the URL: tag, tlp, year, …)."""
        return self._changed(name, value, add=True)

    def removing(self, name: str, value: str = "") -> Selection:
        """This selection without one value (or without ``q``/a period bound)."""
        return self._changed(name, value, add=False)

    def _changed(self, name: str, value: str, *, add: bool) -> Selection:
        def toggled(values: list, item) -> list:
            kept = [v for v in values if v != item]
            return [*kept, item] if add else kept

        if name == "tag":
            slug, _, code = value.partition(":")
            tags = {s: list(c) for s, c in self.tags.items()}
            tags[slug] = toggled(tags.get(slug, []), code)
            return replace(self, tags={s: c for s, c in tags.items() if c})
        if name == "tlp":
            return replace(self, tlp=toggled(self.tlp, value))
        if name == "year":
            return replace(self, years=toggled(self.years, int(value)))
        if name == "effectiveness":
            return replace(self, effectiveness=toggled(self.effectiveness, value))
        if name == "written_in":
            return replace(self, languages=toggled(self.languages, value))
        if name == "q":
            return replace(self, text="", sort="" if self.sort == SORT_RELEVANCE else self.sort)
        if name in ("period_from", "period_to"):
            return replace(self, **{name: None})
        raise ValueError(f"not a filter: {name}")

    def toggling(self) -> Toggling:
        """Links that each add or remove one value (the facet panel writes hundreds)."""
        return Toggling(self)

    def has(self, name: str, value: str) -> bool:
        if name == "tag":
            slug, _, code = value.partition(":")
            return code in self.tags.get(slug, [])
        if name == "year":
            return int(value) in self.years
        if name == "written_in":
            return value in self.languages
        return value in getattr(self, name, [])


_PAIR_ORDER = {name: n for n, name in enumerate(PARAMETERS)}


class Toggling:
    """``"?" + selection.adding(name, value).query()`` (or ``removing``, for a chosen value),
    without building a new selection and encoding its whole query string for each link.

    The browse page links every facet value it writes, some 350 of them: that took 5-10 ms
    of each page. The pairs are encoded once, and each link inserts or leaves out one where
    ``Selection._changed`` would put or remove it: an added value goes last in its family
    (a new taxonomy last among the tags).
    """

    def __init__(self, selection: Selection) -> None:
        self.pairs = selection.pairs()
        self.encoded = [urlencode([pair]) for pair in self.pairs]

    def href(self, name: str, value: str, *, selected: bool) -> str:
        if selected:
            kept = [
                e for e, pair in zip(self.encoded, self.pairs, strict=True) if pair != (name, value)
            ]
            return "?" + "&".join(kept)
        at = self._insertion(name, value)
        return "?" + "&".join([*self.encoded[:at], urlencode([(name, value)]), *self.encoded[at:]])

    def _insertion(self, name: str, value: str) -> int:
        if name == "tag":
            slug = value.partition(":")[0] + ":"
            same = [n for n, (k, v) in enumerate(self.pairs) if k == "tag" and v.startswith(slug)]
            if same:
                return same[-1] + 1
        rank = _PAIR_ORDER[name]
        before = [n for n, (k, _v) in enumerate(self.pairs) if _PAIR_ORDER[k] <= rank]
        return before[-1] + 1 if before else 0
