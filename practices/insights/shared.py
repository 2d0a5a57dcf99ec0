"""The figures of the pages across cases without a search or filter, from aggregates shared by
every reader.

Unfiltered, the matrix, "what worked", the theatres and the insights page would group the term
links of every published case the reader may see on every request: one to six seconds each at
100 000 cases. They count as the browse page's facets do (``practices.discovery.facets``): the
published cases of the TLPs a reader sees *whole* (``CaseStudyQuerySet.tlps_published_to``:
CLEAR for visitors, CLEAR and GREEN for members, every TLP for moderators) come from an
aggregate computed once over every published case, *grouped by TLP*, and cached under the
change feed's last sequence number; only the rest of what the reader may see (their
organisation's and their recipient AMBER cases: the ``live`` ids of ``reader_split``) is
grouped live, by the same function, and added.

So a reader never gets a number that counts a case they may not read: the shared rows they use
are those of TLPs whose every published case they may read, and every case write takes a new
feed number in its own transaction, so a cached aggregate is never older than the last
committed change. Nothing is cached inside a transaction, whose uncommitted writes a rollback
would leave counted under a number that another writer then takes. A cache outage only costs
speed.

An aggregate is built by a function of the cases (a queryset of every published case, or the
list of the reader's own ids) returning named lists of rows whose first item is the case's TLP.
A case has one TLP, so the rows of disjoint sets of cases add up: counts are summed, earliest
dates are the minimum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from django.core.cache import cache
from django.db.models import QuerySet

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.discovery.counted import counted
from practices.discovery.facets import Split, reader_split
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.refreshing import REFRESHING, aggregate_cached, kept_for_others

# Every write through the services moves the feed number, so this only bounds how long a write
# that bypasses them (a bulk SQL load, a restored backup) or a renamed term goes unseen.
AGGREGATE_TIMEOUT = 10 * 60
# Bumped when the shape of an aggregate changes, so that a deploy never reads the old one.
VERSION = 1
# How many of the aggregates kept per key (what worked, per subject) are rebuilt after a change:
# each takes 0.1–0.3 s at 100 000 cases.
ASKED_KEPT = 10

Rows = dict[str, list[tuple]]
# Over every published case (a queryset), or the reader's own part (a list of their ids).
Build = Callable[[QuerySet[CaseStudy] | list[int]], Rows]


def _key(name: str, seq: int) -> str:
    return f"practices:insights:{VERSION}:{name}:{database_address()}:{seq}"


def _store(values: dict[str, Rows]) -> None:
    kept_for_others(values, AGGREGATE_TIMEOUT)


def shared_rows(name: str, build: Build, seq: int) -> Rows:
    """``build`` over every published case, cached under ``name`` and the feed number."""
    key = _key(name, seq)
    rows = aggregate_cached(key)
    if rows is None:
        rows = build(CaseStudy.objects.published())
        _store({key: rows})
    return rows


def _asked_key(family: str) -> str:
    return _key(f"asked:{family}", 0)


def asked_record(family: str, key: int) -> None:
    """Remember that an aggregate of ``family`` kept per key (``worked:<subject>``) was read,
    so that the rebuild after a change (``practices.insights.warming``) builds the ones in use:
    the ``ASKED_KEPT`` most recently new to the list. Best effort: two requests at once may
    each drop the other's."""
    asked = cache.get(_asked_key(family)) or []
    if key not in asked:
        cache.set(_asked_key(family), [key, *asked][:ASKED_KEPT], None)


def asked_recently(family: str) -> list[int]:
    return cache.get(_asked_key(family)) or []


def _readers_part(rows: Rows, split: Split) -> Rows:
    return {part: [row for row in found if row[0] in split.whole] for part, found in rows.items()}


def _add(rows: Rows, more: Rows) -> Rows:
    return {part: rows.get(part, []) + more.get(part, []) for part in {*rows, *more}}


def reader_rows(filterset: CaseStudyFilterSet, name: str, build: Build) -> Rows | None:
    """``build`` over the reader's cases when nothing is searched or chosen (the shared rows of
    the TLPs they see whole, and ``build`` over their other cases), or None: then the page
    counts its filtered cases itself."""
    split = reader_split(filterset)
    if split is None:
        return None
    rows = _readers_part(shared_rows(name, build, split.seq), split)
    return _add(rows, _live(name, build, split)) if split.live else rows


def _live(name: str, build: Callable, split: Split, *keys):
    """``build`` over the reader's own and recipient cases, kept for their next request
    (``practices.discovery.counted``: keyed by those ids and the feed number)."""
    return counted(
        f"insights:live:{name}:{list(keys)}",
        split.live,
        partial(build, split.live, *keys),
        seq=split.seq,
    )


def reader_rows_by_key(
    filterset: CaseStudyFilterSet,
    name: str,
    keys: Iterable[object],
    build: Callable[[QuerySet[CaseStudy] | list[int], list], dict[object, Rows]],
) -> dict[object, Rows] | None:
    """As ``reader_rows``, for an aggregate cached in one part per key (the counters used
    against each technique): ``build(cases, keys)`` returns the rows of each key; only the keys
    missing from the cache are built, in one call."""
    split = reader_split(filterset)
    if split is None:
        return None
    keys = list(keys)
    names = {key: _key(f"{name}:{key}", split.seq) for key in keys}
    cached = {} if REFRESHING.get() else cache.get_many(list(names.values()))
    found = {key: cached[names[key]] for key in keys if names[key] in cached}
    missing = [key for key in keys if key not in found]
    if missing:
        built = build(CaseStudy.objects.published(), missing)
        built = {key: built.get(key, {}) for key in missing}
        _store({names[key]: rows for key, rows in built.items()})
        found |= built
    rows = {key: _readers_part(found[key], split) for key in keys}
    if split.live:
        live = _live(name, build, split, keys)
        rows = {key: _add(rows[key], live.get(key, {})) for key in keys}
    return rows
