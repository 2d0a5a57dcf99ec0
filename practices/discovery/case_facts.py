"""What the facets count of each case (its term ids, TLP, effectiveness, language and incident
year), held in this process's memory for counting the facets of a search.

Why: the first facet panel of a search grouped the term links of its matches in the database,
about 34 000 index probes for a search's 2 000 matches, 25-30 ms of a member's first panel at
100 000 cases, more than the rest of the panel together. Counted here, the same matches cost
5-9 ms, the query that brings the memory up to date included. A case is read into the memory
the first time a search of this process counts it, at a little more than grouping cost (so a
worker's first searches are 10-15 ms slower than before, and the rest 20-30 ms faster:
``bench/README.md``).

Which cases are counted is still decided by the database, in the request: only ids that the
reader's own queryset (``visible_to``) returned in this request are looked up
(``search.kept_matches``: ``.matched``). This memory decides nothing about who sees what; it
holds facts of cases, the same for every reader, and a case is only ever read from it for a
reader who was just handed that case's id.

Kept exact by the change feed. Every write that changes a case's terms or these fields takes
a feed number in its own transaction (``practices.sync.feed``), so before each use the entries
after the number the memory is at are read — one query on the feed's unique ``seq`` index,
made after the search, so the memory is never older than the ids it is asked about — and
their cases forgotten. A case not held (new, changed, or never counted by this process) is
read from the database with the others missing from the same request, in one query, and kept.
Everything is forgotten when the feed entry the memory is at is no longer the same entry (a
restored database, the tests' flushes: the entry is checked by its time, which is unique to
it), when a case that may have been counted is deleted (its entries then name no case), while
the feed is empty (nothing to check against), and after ``MAX_AGE``, which bounds how long a
write that bypassed the services goes unseen, as the cached counts' timeouts do: raw SQL, or a
data migration that rewrites these fields (restart the workers after one to see it at once).
A term deleted in the admin takes its links with it unrecorded; its id is simply no longer
named by ``facets._term_rows``.

Nothing is read from or kept in this memory inside a transaction, whose uncommitted writes are
not in the feed yet (as ``refreshing.kept_for_others``); the facets are then counted in the
database. Size: about 300 bytes per case held (``bench/README.md``), per worker process.
"""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from django.db import DatabaseError, connection
from django.db.models import Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.sync.models import CaseChange, FeedCounter

DRAFT = CaseStudy.Status.DRAFT
MAX_AGE = 10 * 60  # seconds, as facets.AGGREGATE_TIMEOUT and counted.COUNTED_TIMEOUT
# A worker's start reads the newest cases' facts (``warm``): about 6 MB, under a second.
WARM_NEWEST = 20_000
WARM_CHUNK = 2_000

logger = logging.getLogger(__name__)

Scalars = tuple[str, str, str, int | None]  # tlp, effectiveness, language, incident year


class _Memory:
    """The facts held, and the feed entry (number and time) they are exact as of."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept_warm = False  # warmed when the worker started: warmed again after MAX_AGE
        self.forget()

    def forget(self) -> None:
        self.facts: dict[int, tuple[Scalars, array]] = {}
        self.scalars: dict[Scalars, Scalars] = {}  # one tuple per distinct value, shared
        self.address = ""
        self.seq = 0
        self.at: datetime | None = None
        self.born = time.monotonic()
        self.generation = getattr(self, "generation", 0) + 1


_memory = _Memory()


def forget() -> None:
    """Forget every case (the tests' fixtures, between databases)."""
    with _memory.lock:
        _memory.forget()


def facet_counts(ids: list[int]) -> tuple[Counter[int], list[dict]] | None:
    """How many of these cases carry each term (by term id), and their scalar rows (tlp,
    effectiveness, language, year, count), as ``facets._both_counts`` counts them in the
    database; None when they must be counted there (inside a transaction, an empty feed).
    ``ids`` must come from the reader's queryset in this request."""
    held = _facts_of(ids)
    if held is None:
        return None
    terms = Counter(chain.from_iterable(fact[1] for fact in held))
    scalars = Counter(fact[0] for fact in held)
    rows = [
        {"tlp": tlp, "effectiveness": effectiveness, "language": language, "year": year, "count": n}
        for (tlp, effectiveness, language, year), n in scalars.items()
    ]
    return terms, rows


def _facts_of(ids: list[int]) -> list[tuple[Scalars, array]] | None:
    """The facts of these cases, each once (a case deleted since is left out), those not held
    read and kept; None when the memory may not be used."""
    if connection.in_atomic_block:
        return None
    generation = _caught_up()
    if generation is None:
        return None
    facts = _memory.facts
    # What is held is taken at once, before another thread's catch-up may forget some of it
    # while the rest is read.
    found = {pk: fact for pk in ids if (fact := facts.get(pk)) is not None}
    read = _read([pk for pk in dict.fromkeys(ids) if pk not in found])
    if read:
        with _memory.lock:
            if _memory.generation == generation:  # nothing was forgotten while reading
                facts.update(read)
    return [*found.values(), *read.values()]


def warm(newest: int = WARM_NEWEST) -> None:
    """Read the facts of the ``newest`` published cases into the memory, a search's worth at a
    time: where most searches' matches are (they keep their newest, ``search.NEWEST_MATCHES``),
    so that a worker's first searches need not read them. Run by each gunicorn worker in a
    thread of its own once it has started (``portal/gunicorn.conf.py``); a database that
    cannot be reached only leaves the memory to fill as searches count."""
    try:
        published = CaseStudy.objects.published().order_by("-published_at", "-pk")
        ids = list(published.values_list("pk", flat=True)[:newest])
        for start in range(0, len(ids), WARM_CHUNK):
            _facts_of(ids[start : start + WARM_CHUNK])
    except DatabaseError:
        logger.warning("The memory of the cases' facts was not warmed", exc_info=True)


def warm_in_background() -> threading.Thread:
    """``warm`` in a thread of its own, now and each time the memory is forgotten for its age."""
    _memory.kept_warm = True

    def warm_then_close() -> None:
        try:
            warm()
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=warm_then_close, name="case-facts-warm", daemon=True)
    thread.start()
    return thread


def _caught_up(attempts: int = 3) -> int | None:
    """Bring the memory up to the feed's last entry: the generation it is then at, or None
    when it cannot be checked against the feed (empty) or other threads kept moving it."""
    address = database_address()
    for _ in range(attempts):
        with _memory.lock:
            expired = time.monotonic() - _memory.born > MAX_AGE
            rewarm = expired and _memory.kept_warm and bool(_memory.facts)
            if address != _memory.address or expired:
                _memory.forget()
                _memory.address = address
            seq, at, generation = _memory.seq, _memory.at, _memory.generation
        if rewarm:
            warm_in_background()
        entries = _entries_since(seq)
        if not entries and not seq:
            return None  # an empty feed: nothing to check the memory against
        with _memory.lock:
            if (_memory.generation, _memory.seq) != (generation, seq):
                # Another thread moved it meanwhile: this read may miss entries it applied
                # (from 0, only the last entry was read).
                continue
            if seq and (not entries or (entries[0][0], entries[0][2]) != (seq, at)):
                # Kept under an entry the feed no longer holds (restored, flushed): all go.
                _memory.forget()
                _memory.address = address
                continue
            if any(deleted and status != DRAFT for *_, status, deleted in entries[1:]):
                # A deleted case's entries no longer name it (SET_NULL), so it cannot be
                # forgotten by itself: all go. Only the admin deletes a case that was ever
                # published; the portal deletes drafts never submitted, never counted here.
                _memory.forget()
                _memory.address = address
                continue
            changed = {entry[1] for entry in entries[1:] if entry[1] is not None}
            for case_id in changed:
                _memory.facts.pop(case_id, None)
            if changed:  # a case being read meanwhile may be read as it was: not kept
                _memory.generation += 1
            _memory.seq, _memory.at = entries[-1][0], entries[-1][2]
            return _memory.generation
    return None


def _entries_since(seq: int) -> list[tuple[int, int | None, datetime, str, bool]]:
    """The feed's entries from number ``seq`` (to check that it is still the entry the memory
    is at) to the last, or the last alone for a memory at 0: number, case id (None for a
    deleted case or a collection), time, status and whether the case was deleted, in one
    query. The last is the counter's number, read in the same statement: every entry up to
    it is then committed and visible (numbers are taken under the counter's row lock by the
    writing transaction, ``practices.sync.feed``)."""
    last = FeedCounter.objects.filter(pk=1).values("value")
    entries = CaseChange.objects.filter(seq__lte=Subquery(last))
    entries = entries.filter(seq__gte=seq) if seq else entries.filter(seq=Subquery(last))
    columns = ("seq", "case_study_id", "created_at", "status", "deleted")
    return list(entries.order_by("seq").values_list(*columns))


def _read(ids: list[int]) -> dict[int, tuple[Scalars, array]]:
    """The facts of these cases, read from the database in one query (none for no ids): each
    case's row with its term ids gathered beside it, which costs about what grouping their
    links cost (``facets._both_counts``), where reading the links as rows cost half as much
    again."""
    if not ids:
        return {}
    # The SQL is made of table and column names from the models' meta, nothing else.
    term_ids = RawSQL(_term_ids_sql(), [])  # noqa: S611
    rows = (
        CaseStudy.objects.filter(pk__any=ids)
        .annotate(facet_year=ExtractYear("incident_start"), term_ids=term_ids)
        .values_list("pk", "tlp", "effectiveness", "language", "facet_year", "term_ids")
        .order_by()
    )
    return {
        pk: (_shared((tlp, effectiveness, language, _year(year))), _term_array(term_ids))
        for pk, tlp, effectiveness, language, year, term_ids in rows
    }


def _term_ids_sql() -> str:
    """A case's term ids (an array on PostgreSQL, a comma-separated list on SQLite)."""
    link = CaseStudy.terms.through._meta
    case_column = link.get_field("casestudy").column
    term_column = link.get_field("term").column
    cases = CaseStudy._meta
    correlated = f"FROM {link.db_table} WHERE {case_column} = {cases.db_table}.{cases.pk.column}"
    if connection.vendor == "postgresql":
        return f"ARRAY(SELECT {term_column} {correlated})"
    return f"(SELECT group_concat({term_column}) {correlated})"


def _term_array(term_ids: list[int] | str | None) -> array:
    if isinstance(term_ids, str):
        term_ids = [int(term_id) for term_id in term_ids.split(",")]
    try:
        return array("I", term_ids or ())  # 4 bytes an id
    except OverflowError:  # ids are 64-bit columns: past 2**32, 8 bytes
        return array("q", term_ids)


def _year(value) -> int | None:
    return None if value is None else int(value)  # PostgreSQL's EXTRACT: numeric


def _shared(scalars: Scalars) -> Scalars:
    # A few hundred distinct values among 100 000 cases: each case points at a shared tuple.
    return _memory.scalars.setdefault(scalars, scalars)


def held() -> Iterable[int]:
    """The ids of the cases held (for the tests)."""
    return list(_memory.facts)
