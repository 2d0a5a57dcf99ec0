"""Counts of a narrowed list (a search, a filter) kept for the requests that ask them again.

Paging through a search, sorting it, going back to it, or opening the insights page of the
same search asks for exactly the same counts: the facets of a search grouped the term links of
its 2 000 matches again on every page (about 90 ms at 100 000 cases), the theatres and the
insights page more. The unfiltered page has its shared aggregates (``facets.published_aggregate``,
``practices.insights.shared``), to which each reader's own and recipient cases are added: that
part, and the counts of a narrowed page, are kept here, for the readers who count the same rows.

The key is what determines the count: the name of the count (with whatever else it depends on,
such as the term ids it counts), the exact SQL and parameters of the cases counted — the
reader's visibility, the filters and a search's matched ids are all in it — or the ids
themselves, and the change feed's last number, read before counting (every case write takes a
new number in its own transaction, so a kept count is never older than its key). So a count is
only ever reused for cases that are the same rows, and never across readers who see different
cases. As everywhere: nothing is kept inside a transaction, whose uncommitted writes a rollback
would leave counted under a number another writer then takes; a renamed or new vocabulary term
(which takes no number) is seen within ``COUNTED_TIMEOUT``; a cache outage only costs speed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from portal.cache import database_address
from practices.discovery.refreshing import kept_for_others

T = TypeVar("T")

COUNTED_TIMEOUT = 10 * 60
VERSION = 1  # part of the key: change it with the shape of a kept count


def _material(cases: object) -> object:
    """What identifies these cases: a queryset's SQL and parameters, or the ids themselves."""
    if isinstance(cases, QuerySet):
        return cases.order_by().values("pk").query.sql_with_params()
    if isinstance(cases, tuple):
        return tuple(_material(part) for part in cases)
    return cases


def counted(name: str, cases: object, count: Callable[[], T], *, seq: int) -> T:
    """``count()``, the count ``name`` of ``cases`` (a queryset, a list of ids, or a tuple of
    them), kept under feed number ``seq`` for the next request that asks the same."""
    try:
        material = _material(cases)
    except EmptyResultSet:  # nothing to count: not worth a key
        return count()
    digest = hashlib.sha256(repr((database_address(), name, material)).encode()).hexdigest()
    key = f"practices:counted:{VERSION}:{seq}:{digest}"
    found = cache.get(key)
    if found is None:
        found = count()
        kept_for_others({key: found}, COUNTED_TIMEOUT)
    return found
