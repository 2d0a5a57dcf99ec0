"""A common search read from its matches of the newest months only (PostgreSQL).

Why: a search keeps its ``NEWEST_MATCHES`` most recently published matches
(``search.search_matches``). For words that are common apart and rarer together ("deepfake
minister" matches 25 000 of the 100 000 cases of bench/search.py) PostgreSQL takes every match
from the GIN index, reads its document, checks that the reader may see its case, and only then
keeps the newest 2 000: most of a first search's time. Each search document also holds the month
its case was published (``CaseSearchDocument.published_month``), in the same GIN index
(btree_gin), so that the index itself hands over only the matches of the newest months.

Why the result is the same: a document's month is written from its case's publication time in
the transaction that publishes it (``search.search_index_update``), so every case published
from the window's first month on is in the window, and everything left out was published
before everything kept. When the window holds more than ``NEWEST_MATCHES`` of the reader's
matches, their newest are the newest of all; with fewer, the newest of those published before
follow them. Cases never published have no month and come first in a search's order
(``search._relevance_order``), so the window is used only for lists that hold published cases
alone (``published_only``). Those always have a publication time, set by the approval that
publishes them; one without (a write that bypassed it) also comes first, and its document
holds a month within every window (``UNDATED``).

How wide: as many of the newest publications as it takes for a search matching one case in
``COMMON`` of those the reader sees whole (``tlps_published_to``) to fill the bound, from a
histogram of publications by month and TLP (``publication_histogram``). A stale histogram
only makes the window wider or narrower, never the result different. A rarer search reads its
few matches in the window, then those of the older months. When the window would hold more than
``WORTH_AT_MOST`` of the published cases it saves too little to risk a second query, and none is
used (a visitor, who sees CLEAR cases only).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from django.db.models import Count, QuerySet
from django.db.models.expressions import Col
from django.db.models.functions import TruncMonth
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.discovery.refreshing import aggregate_cached, kept_for_others

COMMON = 15  # a search matching one in fifteen of the cases its reader sees fills the window
WORTH_AT_MOST = 0.5  # of the published cases
HISTOGRAM_TIMEOUT = 10 * 60


# The month of a published case without a publication time, which the approval (and an
# operator's correction in the admin) always sets, so only a write bypassing both makes one:
# within every window, as such a case comes first in a search's whole walk.
UNDATED = 2**31 - 1


def document_month(case_study: CaseStudy) -> int | None:
    """What a case's search document holds as ``published_month``."""
    if case_study.published_at is None:
        return UNDATED if case_study.status == CaseStudy.Status.PUBLISHED else None
    return month_number(case_study.published_at)


def month_number(moment: datetime | None) -> int | None:
    """Months since the year 0 of ``moment`` in UTC (``published_month``), or None."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def month_start(number: int) -> datetime:
    """The first moment (UTC) of month ``number`` (``month_number``'s inverse)."""
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=UTC)


def histogram_key() -> str:
    return f"practices:search:histogram:1:{database_address()}"


def publication_histogram() -> dict[str, dict[int, int]]:
    """How many cases were published in each month, by TLP: shared by every reader, and
    rebuilt with the other shared aggregates (``practices.insights.warming``)."""
    key = histogram_key()
    found = aggregate_cached(key)
    if found is None:
        rows = (
            CaseStudy.objects.published()
            .filter(published_at__isnull=False)
            .annotate(month=TruncMonth("published_at", tzinfo=UTC))
            .values_list("tlp", "month")
            .annotate(count=Count("pk"))
            .order_by()
        )
        found = {}
        for tlp, month, count in rows:  # one row per TLP and month
            found.setdefault(tlp, {})[month_number(month)] = count
        kept_for_others({key: found}, HISTOGRAM_TIMEOUT)
    return found


def window_start(reader, *, bound: int) -> int | None:
    """The first month of the window of ``reader``'s searches, or None for no window."""
    histogram = publication_histogram()
    months: Counter[int] = Counter()
    for by_month in histogram.values():
        months.update(by_month)
    published = sum(months.values())
    whole = CaseStudy.objects.tlps_published_to(reader)
    seen = sum(sum(histogram.get(tlp, {}).values()) for tlp in whole)
    if not seen:
        return None
    wanted = bound * COMMON * published / seen
    if wanted > published * WORTH_AT_MOST:
        return None
    held = 0
    for month in sorted(months, reverse=True):
        held += months[month]
        if held >= wanted:
            return month
    return None


def published_only(queryset: QuerySet[CaseStudy]) -> bool:
    """Whether ``queryset`` holds published cases alone: filtered on their status at its top
    level, as ``CaseStudyQuerySet.published`` does. Any other shape answers False, which
    costs only speed."""
    status = CaseStudy._meta.get_field("status")
    base = queryset.query.base_table

    def holds(node) -> bool:
        if isinstance(node, WhereNode):
            return not node.negated and node.connector == AND and any(map(holds, node.children))
        return (
            isinstance(node, Exact)
            and isinstance(node.lhs, Col)
            and node.lhs.target is status
            and node.lhs.alias == base
            and node.rhs == CaseStudy.Status.PUBLISHED
        )

    return holds(queryset.query.where)
