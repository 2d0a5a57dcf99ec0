"""Full-text search over cases, with one behaviour on PostgreSQL and on SQLite.

What is searched
----------------
Each case has one ``CaseSearchDocument``: weight A the title, keywords and the labels and codes
of its terms (with their taxonomy's name, so ``disarm`` or ``Japan`` find tagged cases, and
their names in the interface languages, so ``Japon`` or ``日本`` do too), B the
summary, lessons and recommendations, C the incident, response and outcome. Never the
organisation's name. The document is rebuilt inside every transaction that changes those
words: cases call ``case_change_record`` at the end of each write and vocabularies call
``terms_relabel_record`` when a term is renamed; ``PracticesConfig.ready()`` installs the
listeners below on both hooks. ``manage.py search_index_rebuild`` rebuilds everything.

How a query runs
----------------
``case_search(queryset, text)`` narrows a queryset that already carries the reader's
visibility (``visible_to``) — search never widens it — and orders by relevance, then recency.
The syntax is ``practices.discovery.query``'s. On PostgreSQL a word or phrase is a ``tsquery``
against the stored, weighted, GIN-indexed ``tsvector`` (English stemming: ``election`` finds
``elections``), ranked by ``ts_rank_cd``; when the words find nothing, each word is tried with
its nearest words of the index by trigram distance beside it (``pg_trgm`` over ``SearchWord``,
only words of the TLPs the reader sees whole), so a missing, extra or wrong letter still finds
the case. On SQLite the same terms run against an
FTS5 table with the Porter stemmer, ranked by ``bm25``. Japanese, Korean and Chinese are
written without spaces between words: on PostgreSQL the index holds their text as overlapping
pairs of characters and a term is looked up as the phrase of its pairs (through the same GIN
index; a one-character term falls back to a substring match); on SQLite they match through
FTS5's trigram tokenizer.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from portal.cache import database_address
from practices.cases.models import CaseStudy
from practices.discovery import stopwords
from practices.discovery.models import CaseSearchDocument, SearchWord
from practices.discovery.query import Query, Term, parse
from practices.discovery.refreshing import kept_for_others
from practices.discovery.window import document_month, month_start, published_only, window_start
from practices.sync.feed import last_seq
from practices.vocabularies.models import Term as VocabularyTerm

CONFIG = "english"
FTS_TABLE = "practices_casesearch_fts"
TRIGRAM_TABLE = "practices_casesearch_trigram"
TEXT_FIELDS = ("heading", "body", "detail")
# FTS5's bm25 weights for heading, body and detail, in the ratio of PostgreSQL's A/B/C defaults.
BM25_WEIGHTS = (1.0, 0.4, 0.2)
TYPO_NEAREST = 3  # words tried in place of a misspelt one
NEWEST_MATCHES = 2000  # see search_matches
MATCHES_TIMEOUT = 5 * 60  # seconds a search's matches stay cached (see search_matches)
MATCHES_VERSION = 1  # part of the cache key: change it with the cached value's shape or order
BATCH = 500
# Runs of Japanese kana, Chinese/Japanese ideographs and Korean Hangul (the same class as the
# SQL function ``practices_cjk_bigrams`` of migration 0007).
CJK_CLASS = (
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]"
)
CJK_RUN = re.compile(CJK_CLASS + "+")


# --- The index -------------------------------------------------------------------------------


def _texts(case_study: CaseStudy) -> dict[str, str]:
    """The document's three texts, NFKC-normalised as queries are (``query.parse``): half-width
    katakana, full-width Latin letters and ligatures are found however they are typed."""
    terms = list(case_study.terms.all())
    heading = [case_study.title]
    for term in terms:
        heading += [term.label, term.code, term.taxonomy.name, *_translated_labels(term)]
    texts = {
        "heading": heading,
        "body": [case_study.summary, case_study.lessons, case_study.recommendations],
        "detail": [case_study.incident, case_study.response, case_study.outcome],
    }
    return {
        name: unicodedata.normalize("NFKC", "\n".join(part for part in parts if part))
        for name, parts in texts.items()
    }


def _translated_labels(term: VocabularyTerm) -> list[str]:
    """The term's name in each interface language ("Japon", "日本", "일본"), so that a reader
    finds tagged cases in their own language as well as by the English label and code."""
    labels = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(term.display_label)
    return sorted(labels - {term.label})


def search_index_update(case_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these cases (missing cases are dropped from the index);
    call inside the transaction that changed them. Returns how many were indexed."""
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    cases = list(
        CaseStudy.objects.filter(pk__in=ids).prefetch_related("terms__taxonomy").order_by("pk")
    )
    CaseSearchDocument.objects.filter(case_study_id__in=ids).delete()
    CaseSearchDocument.objects.bulk_create(
        CaseSearchDocument(
            case_study=case, published_month=document_month(case), tlp=case.tlp, **_texts(case)
        )
        for case in cases
    )
    if connection.vendor == "postgresql":
        _postgres_vectors(ids)
    elif connection.vendor == "sqlite":
        _sqlite_mirror(ids)
    return len(cases)


def _weighted(column: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('{CONFIG}', {column}) "
        f"|| to_tsvector('simple', practices_cjk_bigrams({column})), '{weight}')"
    )


# The stored vector of a document, from its three texts (bench/search.py builds it the same
# way): each field's English words, stemmed, and the overlapping pairs of characters of its
# Japanese, Korean and Chinese runs (the function is in migration 0007), at the field's weight.
VECTOR_SQL = " || ".join(
    _weighted(column, weight) for column, weight in zip(TEXT_FIELDS, "ABC", strict=True)
)
# The words of the shared, published cases, for typo search (see ``SearchWord``).
WORDS_SQL = f"""
    WITH words AS MATERIALIZED (
      SELECT word, bool_or(c.tlp = 'clear') AS public
        FROM {CaseSearchDocument._meta.db_table} d
        JOIN {CaseStudy._meta.db_table} c ON c.id = d.case_study_id,
             unnest(tsvector_to_array(to_tsvector('simple', d.heading || ' ' || d.body || ' '
                                                  || d.detail))) AS word
       WHERE d.case_study_id = ANY(%s)
         AND c.status = 'published' AND c.tlp IN ('clear', 'green')
       GROUP BY word
    )
    INSERT INTO {SearchWord._meta.db_table} AS kept (word, public)
    SELECT word, public FROM words
     WHERE length(word) BETWEEN 3 AND 64 AND word ~ '^[[:alpha:]]+$' AND word !~ '{CJK_CLASS}'
    ON CONFLICT (word) DO UPDATE SET public = kept.public OR excluded.public
"""  # noqa: S608 (names from the models and constants)


# For each typed word, its nearest other words by trigram distance (GiST index, ``<->``),
# among the public words only unless the reader sees GREEN whole, and only those a published
# case of a TLP the reader sees whole (``tlps_published_to``) holds now. Words are only ever
# added to ``SearchWord``: the words of a case withdrawn or restricted since stay there, and
# offering one would tell the reader that some case they may no longer read held it. Checked
# against the stemmed vector (its GIN index), as the search itself reads words, joined to the
# cases by id: a subquery of the shared cases made PostgreSQL hash 85 000 ids per word tried
# (160-230 ms at 100 000 cases against 6-36 ms; before the check, 1-5 ms).
NEAREST_WORDS_SQL = f"""
    SELECT typed.word, found.word FROM unnest(%s::text[]) AS typed(word), LATERAL (
      SELECT w.word FROM {SearchWord._meta.db_table} w
       WHERE w.word %% typed.word AND w.word <> typed.word AND (w.public OR %s)
         AND EXISTS (
           SELECT 1 FROM {CaseSearchDocument._meta.db_table} d
             JOIN {CaseStudy._meta.db_table} c ON c.id = d.case_study_id
            WHERE d.vector @@ plainto_tsquery('{CONFIG}', w.word)
              AND c.status = 'published' AND c.tlp = ANY(%s))
       ORDER BY w.word <-> typed.word LIMIT %s
    ) AS found
"""  # noqa: S608 (the models' tables)


def _postgres_vectors(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CaseSearchDocument._meta.db_table} SET vector = {VECTOR_SQL} "  # noqa: S608
            "WHERE case_study_id = ANY(%s)",
            [ids],
        )
        cursor.execute(WORDS_SQL, [ids])


def _sqlite_mirror(ids: list[int]) -> None:
    table = CaseSearchDocument._meta.db_table
    marks = ",".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        for fts in (FTS_TABLE, TRIGRAM_TABLE):
            cursor.execute(f"DELETE FROM {fts} WHERE rowid IN ({marks})", ids)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {fts} (rowid, heading, body, detail) "  # noqa: S608
                f"SELECT case_study_id, heading, body, detail FROM {table} "
                f"WHERE case_study_id IN ({marks})",
                ids,
            )


def search_index_case_changed(case_study: CaseStudy, *, deleted: bool = False) -> None:
    """Listener of the cases' change hook: the changed case's words, indexed now."""
    if deleted:
        search_index_remove([case_study.pk])
    else:
        search_index_update([case_study.pk])


def search_index_remove(case_ids: Iterable[int]) -> None:
    ids = sorted(set(case_ids))
    CaseSearchDocument.objects.filter(case_study_id__in=ids).delete()
    if connection.vendor == "sqlite" and ids:
        marks = ",".join("%s" for _ in ids)
        with connection.cursor() as cursor:
            for fts in (FTS_TABLE, TRIGRAM_TABLE):
                cursor.execute(f"DELETE FROM {fts} WHERE rowid IN ({marks})", ids)  # noqa: S608


def search_index_terms_relabelled(term_ids: list[int]) -> None:
    """Listener of the vocabularies' hook: reindex the cases carrying renamed terms."""
    through = CaseStudy.terms.through.objects.filter(term_id__in=term_ids)
    search_index_update(through.values_list("casestudy_id", flat=True).distinct())


def search_index_rebuild(*, missing_only: bool = False) -> int:
    """Index every case (or only those without a document), in batches."""
    cases = CaseStudy.objects.order_by("pk")
    if missing_only:
        cases = cases.filter(search_document__isnull=True)
    else:
        SearchWord.objects.all().delete()  # words of cases since withdrawn or restricted go
    ids = list(cases.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        search_index_update(ids[start : start + BATCH])
    return len(ids)


# --- Queries -----------------------------------------------------------------------------------


def case_search(
    queryset: QuerySet[CaseStudy], text: str, *, reader=None, typos: bool = True
) -> QuerySet[CaseStudy]:
    """The cases of ``queryset`` that match ``text``, annotated with ``search_rank`` and ordered
    by it (then the newest first). An empty query leaves the queryset as it is. ``reader``
    (the actor ``queryset`` is visible to) decides which words a typo may be corrected to;
    without one, only words of CLEAR cases. ``typos=False``: without the typo fallback (a
    caller that reads the matches anyway tries ``typo_search`` when there are none, instead of
    asking first whether there are any)."""
    query = _parsed(text)
    if not query:
        return queryset
    if connection.vendor != "postgresql":
        return _sqlite_search(queryset, query)
    found = _postgres_search(queryset, query)
    if typos and not found.exists():
        corrected = _typo_search(queryset, query, reader=reader)
        found = found if corrected is None else corrected
    return found


def typo_search(
    queryset: QuerySet[CaseStudy], text: str, *, reader=None
) -> QuerySet[CaseStudy] | None:
    """``case_search`` with each word of ``text`` also tried as its nearest words of the index,
    or None when no word has one, or on SQLite (no typo search there)."""
    if connection.vendor != "postgresql":
        return None
    return _typo_search(queryset, _parsed(text), reader=reader)


def _parsed(text: str) -> Query:
    return _without_stopwords(parse(text))


def _typo_search(queryset: QuerySet[CaseStudy], query: Query, *, reader) -> QuerySet | None:
    corrected = _corrected(query, reader=reader) if query else None
    return None if corrected is None else _postgres_search(queryset, corrected)


def _without_stopwords(query: Query) -> Query:
    """The query without the words PostgreSQL's English configuration ignores ("and", "the"),
    as ``websearch_to_tsquery`` would drop them: alone, such a word's tsquery is empty and
    matches nothing, which would make "Disasters and emergencies" find nothing. A phrase goes
    only if every word of it is such a word.

    SQLite keeps every word in its index, so the same words (PostgreSQL's list: ``stopwords``)
    are dropped there too, and those that open or close a phrase are taken off it ("the harbour
    fire" looks for "harbour fire", as PostgreSQL's phrase does). One inside a phrase stays on
    SQLite, where it must be in the text as written: PostgreSQL only counts its place."""
    words = sorted({term.text for term in query.terms if not term.unspaced})
    if not words:
        return query
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM unnest(%s::text[]) AS word "
                "WHERE numnode(phraseto_tsquery(%s, word)) = 0",
                [words, CONFIG],
            )
            ignored = {row[0] for row in cursor.fetchall()}
        return _dropping(query, ignored)
    groups = []
    for group in query.groups:
        kept = [_phrase_trimmed(term) for term in group]
        groups.append([term for term in kept if term is not None])
    return Query([group for group in groups if group])


def _dropping(query: Query, ignored: set[str]) -> Query:
    groups = [[t for t in group if t.unspaced or t.text not in ignored] for group in query.groups]
    return Query([group for group in groups if group])


def _phrase_trimmed(term: Term) -> Term | None:
    """On SQLite: the term without the ignored words it opens or closes with, or None when it
    is nothing but those."""
    if term.unspaced:
        return term
    words = _WORD.findall(term.text)
    ignored = [word.lower() in stopwords.ENGLISH for word in words]
    if all(ignored):
        return None
    if not ignored[0] and not ignored[-1]:
        return term
    first = ignored.index(False)
    last = len(words) - ignored[::-1].index(False)
    return replace(term, text=" ".join(words[first:last]))


def search_matches(
    queryset: QuerySet[CaseStudy], text: str, *, reader=None, seq: int | None = None
):
    """What every list, count, facet and export of a text search works from: the cases of
    ``queryset`` matching ``text``, kept to the ``NEWEST_MATCHES`` most recently published
    (``.cut`` says whether older matches were left out), ordered by relevance, then recency.

    Why bounded: no index orders by ``ts_rank_cd`` and none counts by facet. Ranking every
    match of a common word (``election`` matches 84 % of 100 000 cases in bench/search.py)
    computed the rank of every matching document to show twenty, and its facets grouped the
    terms of all of them — each about a second. Within the bound both stay small; the page says
    "1,000+ results" and that it looks at the newest matches, and filters narrow within them, so
    a facet count is still the length of the list that choosing it gives.

    Why read once, as ids: a page asks the same search for its list, its capped count, each
    facet family and each removal suggestion. The matching (the costly part: each walked case's
    vector is read and tested) runs once; everything after works from ``pk = ANY(ids)`` on the
    same ``queryset``, which still applies the reader's visibility to every row. The ids, in
    relevance order, are also cached for the next request that asks the same thing — paging,
    sorting, choosing a facet — keyed by the exact SQL of ``queryset`` (the reader's visibility
    and filters are in it), the words and the change feed's last sequence number: every case
    write takes a new number in its own transaction, read *before* the search (here, or by the
    request and passed as ``seq``), so a cached list is never older than its key. A renamed
    vocabulary term (which takes no number) reaches cached searches within
    ``MATCHES_TIMEOUT``. A cache outage only costs speed.
    """
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # visible_to gave nothing: nothing to search
        return kept_matches(queryset.none(), [], cut=False)
    whole = sorted(CaseStudy.objects.tlps_published_to(reader) if reader is not None else [])
    where = database_address()
    digest = hashlib.sha256(repr((where, sql, params, text, whole)).encode()).hexdigest()
    seq = last_seq() if seq is None else seq  # the request's own, when it has read it
    key = f"practices:search:{MATCHES_VERSION}:{seq}:{digest}"
    cached = cache.get(key)
    fresh = cached is None
    if fresh:
        window, tlps = None, None
        if connection.vendor == "postgresql" and published_only(queryset):
            window = window_start(reader, bound=NEWEST_MATCHES)
            tlps = _only_tlps(reader)
        cached = _relevance_order(
            case_search(queryset, text, reader=reader, typos=False), window=window, tlps=tlps
        )
        if not cached[0] and (corrected := typo_search(queryset, text, reader=reader)) is not None:
            cached = _relevance_order(corrected, window=window, tlps=tlps)
        kept_for_others({key: cached}, MATCHES_TIMEOUT)
    ids, cut = cached
    return kept_matches(queryset, ids, cut=cut, fresh=fresh)


def _only_tlps(reader) -> list[str] | None:
    """The TLPs of every case the reader may read, when those are all they may read (a
    visitor's CLEAR: ``CaseStudyQuerySet.tlps_alone_visible_to``); None otherwise."""
    if reader is None:
        return None
    return sorted(CaseStudy.objects.tlps_alone_visible_to(reader)) or None


def _relevance_order(
    found: QuerySet[CaseStudy], *, window: int | None = None, tlps: list[str] | None = None
) -> tuple[list[int], bool]:
    """The ids of the newest ``NEWEST_MATCHES`` matches by relevance, then recency (published
    first, latest first, as ``_ordered``), and whether older matches were left out.

    A search that PostgreSQL would run by gathering all its matches from the GIN index reads
    there only those published from ``window`` on first (a month:
    ``practices.discovery.window``), and only those of its documents whose TLP is one of
    ``tlps`` (the only TLPs the reader may read: ``_only_tlps``). The TLP narrows what the
    index hands over (a visitor's "deepfake minister": 6 500 of 25 000 matches, 37 ms
    instead of 60 at 100 000 cases); the case's own TLP is still checked, so the rows are the
    same as long as documents follow their cases' TLP, which every write through the services
    does (a write that bypasses them needs ``search_index_rebuild``, as for the words).
    Neither is asked of a walk newest first, which stops at the bound: there PostgreSQL
    would rather gather, cannot know that the newest cases are within them (see
    ``_gathers_every_match``)."""
    if "search_rank" not in found.query.annotations:
        # No word left to search for ("!!!", "-x", "the"): the newest cases, bounded like any
        # search, since the request still counts as a search.
        found = found.annotate(search_rank=Value(0.0, output_field=FloatField()))
    whole = _newest_sql(found)
    if (window is not None or tlps) and whole is not None and _gathers_every_match(whole):
        if tlps:
            # And the documents whose TLP is unknown: written by a version before it was kept.
            found = found.filter(search_document__tlp__in=[*tlps, ""])
        rows = _newest_by_window(found, window) if window is not None else _rows(_newest_sql(found))
    else:
        rows = _rows(whole)
    cut = len(rows) > NEWEST_MATCHES
    rows = rows[:NEWEST_MATCHES]
    # Newest first, by id among equals, as the query ordered them; the unpublished after.
    kept = [row for row in rows if not row[2]] + [row for row in rows if row[2]]
    kept.sort(key=lambda row: -(row[1] or 0.0))  # stable: recency breaks ties
    return [pk for pk, _rank, _unpublished in kept], cut


def _newest_sql(found: QuerySet[CaseStudy], limit: int | None = None) -> tuple[str, tuple] | None:
    """The query of up to ``limit`` (by default one more than ``NEWEST_MATCHES``) of these
    matches, newest first, as (id, rank, unpublished) rows; None when it can find nothing."""
    # The newest matches in case_study_published_newest's order, so that a common word's walk
    # stops at the bound, with their rank: PostgreSQL computes a costly output column such as
    # ts_rank_cd only for the rows the LIMIT keeps, after any sort. Ordered by the rank, it
    # would compute the rank of every match (14 000 for "voter fraud"); read in a second
    # query, the 2 000 kept rows were fetched twice (15-25 ms at 100 000 cases).
    # Read through a bare cursor: 2 000 rows through the ORM's per-row conversions, with the
    # publication times as datetimes when only "unpublished" matters, cost milliseconds more.
    #
    # Unpublished matches (a member's own drafts through the API, a moderator's queue) come
    # first on both databases, as PostgreSQL's DESC puts NULLs first and the index walks
    # them, so the bound keeps them (they are few) and cuts the oldest published; they are
    # listed after the published.
    newest = found.order_by(F("published_at").desc(nulls_first=True), "-pk").annotate(
        unpublished=ExpressionWrapper(Q(published_at__isnull=True), output_field=BooleanField())
    )
    try:
        limit = NEWEST_MATCHES + 1 if limit is None else limit
        rows = newest.values_list("pk", "search_rank", "unpublished")[:limit]
        return rows.query.sql_with_params()
    except EmptyResultSet:
        return None


def _newest_by_window(found: QuerySet[CaseStudy], window: int) -> list[tuple]:
    """``_newest_sql``'s rows, read as the matches published from month ``window`` on, then,
    when they are too few, the newest of those published before: each of which is older than
    each of the first. Only for published cases (``window.published_only``). The month
    conditions join no more rows than the search does: every group of a query holds a word
    that needs the document (``query.parse``), so each match already has one."""
    rows = _rows(_newest_sql(found.filter(search_document__published_month__gte=window)))
    if len(rows) <= NEWEST_MATCHES:
        # Both conditions: whichever way PostgreSQL reads these, from the GIN index or down
        # the cases newest first, it starts at the window's edge (with the month alone, the
        # walk newest first went through every case of the window before the first older).
        before = found.filter(
            search_document__published_month__lt=window, published_at__lt=month_start(window)
        )
        rows += _rows(_newest_sql(before, NEWEST_MATCHES + 1 - len(rows)))
    return rows


def _rows(query: tuple[str, tuple] | None) -> list[tuple]:
    if query is None:  # _newest_sql found there was nothing to find
        return []
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Only the three columns asked for: a DISTINCT query would add its ORDER BY's.
        return [row[:3] for row in cursor.fetchall()]


def _gathers_every_match(query: tuple[str, tuple]) -> bool:
    """Whether PostgreSQL would run this walk by gathering every match from the GIN index
    before keeping the newest (a bitmap scan of the search documents), which a window of the
    newest months shortens. When it would rather walk the cases newest first and stop at the
    bound (a common word), a window only makes it choose the gathering, slower: it cannot know
    that the newest cases are all within the window."""
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    table = CaseSearchDocument._meta.db_table
    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if node.get("Node Type") == "Bitmap Heap Scan" and node.get("Relation Name") == table:
            return True
        nodes.extend(node.get("Plans", []))
    return False


class _MinusPosition(Func):
    """Minus where the case's id stands in ``ids``: an order computed once in Python, applied
    by the database (so a higher value ranks first, like a relevance score)."""

    output_field = IntegerField()

    def __init__(self, ids: list[int]) -> None:
        super().__init__(F("pk"))
        self.ids = ids

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.source_expressions[0])
        # The position of ",<id>," in ",1,5,3,": it grows with the position in the list.
        listed = "," + ",".join(map(str, self.ids)) + ","
        return f"-instr(%s, ',' || {column} || ',')", [listed, *params]

    def as_postgresql(self, compiler, connection):
        # A JSON object id → position, parsed once per query and searched per row in
        # O(log n); array_position scans the array for every row (90 ms for 2 000 matches).
        column, params = compiler.compile(self.source_expressions[0])
        positions = json.dumps({str(pk): n for n, pk in enumerate(self.ids)})
        return f"-(%s::jsonb ->> {column}::text)::integer", [positions, *params]


def kept_matches(
    queryset: QuerySet[CaseStudy], ids: list[int], *, cut: bool, fresh: bool = False
) -> QuerySet[CaseStudy]:
    """The cases of ``queryset`` among ``ids``, in the order of ``ids`` (a search's relevance),
    which ``.ranked`` keeps; ``fresh`` when this request has just read them from ``queryset``
    itself (see ``.matched``)."""
    kept = _ordered(
        queryset.filter(pk__any=ids).annotate(search_rank=_MinusPosition(ids)), ranked=True
    )
    kept.cut = cut  # older matches were left out (the page says so)
    kept.ranked = ids
    # The matches in order, when this request read them from ``queryset`` itself: then they
    # are this queryset's rows in its order, and a page of them or their number needs no
    # query (``browse.CappedPaginator``). Not for ids from the cache: a write that bypassed
    # the services (and so took no feed number) may have hidden one of them since. Like
    # ``cut``, the attributes stay on this queryset only: narrowing or reordering it makes a
    # new one, which is counted and paged by the database again.
    kept.matched = ids if fresh else None
    # Where a page of these ids reads its rows (``browse.CappedPaginator``): ``queryset``, the
    # reader's visibility and filters without the order's 2 000 positions, which the rows of
    # twenty cases do not need (building, sending and parsing them cost a first page 5 ms).
    kept.rows_from = queryset
    return kept


def _ordered(queryset: QuerySet[CaseStudy], *, ranked: bool) -> QuerySet[CaseStudy]:
    newest = (F("published_at").desc(nulls_last=True), "-pk")
    if not ranked:  # only substrings matched: there is no relevance to order by
        return queryset.order_by(*newest)
    return queryset.order_by(F("search_rank").desc(nulls_last=True), *newest)


def _combine(query: Query, leaf) -> Q:
    condition = Q()
    for group in query.groups:
        alternatives = Q()
        for term in group:
            alternatives |= ~leaf(term) if term.negated else leaf(term)
        condition &= alternatives
    return condition


def _substring(term: Term) -> Q:
    condition = Q()
    for name in TEXT_FIELDS:
        condition |= Q(**{f"search_document__{name}__icontains": term.text})
    return condition


def _cjk_tsquery(text: str) -> str | None:
    """A Japanese, Korean or Chinese term as phrases of its overlapping character pairs, the
    way the index stores such text ("選挙違反" → ``'選挙' <-> '挙違' <-> '違反'``); None when a
    run has one character, which no pair can find."""
    phrases = []
    for run in CJK_RUN.findall(text):
        if len(run) < 2:
            return None
        pairs = (run[i : i + 2] for i in range(len(run) - 1))
        # Pairs hold only CJK characters: nothing in them is tsquery syntax.
        phrases.append("(" + " <-> ".join(f"'{pair}'" for pair in pairs) + ")")
    return " & ".join(phrases) or None


def _tsquery(term: Term) -> SearchQuery | None:
    """The term as a tsquery on the stored vector, or None when it must match as a substring."""
    if not term.unspaced:
        return SearchQuery(term.text, config=CONFIG, search_type="phrase")
    pairs = _cjk_tsquery(term.text)
    if pairs is None:
        return None
    found = SearchQuery(pairs, config="simple", search_type="raw")
    rest = CJK_RUN.sub(" ", term.text).strip()  # e.g. the "2024" of "選挙 2024"
    return found & SearchQuery(rest, config=CONFIG, search_type="plain") if rest else found


def _postgres_search(queryset: QuerySet[CaseStudy], query: Query) -> QuerySet[CaseStudy]:
    def leaf(term: Term) -> Q:
        tsquery = _tsquery(term)
        return _substring(term) if tsquery is None else Q(search_document__vector=tsquery)

    tsqueries = [q for q in map(_tsquery, query.positive_terms) if q is not None]
    rank = Value(0.0, output_field=FloatField())
    if tsqueries:
        combined = tsqueries[0]
        for tsquery in tsqueries[1:]:
            combined |= tsquery
        # A correlated subquery rather than the joined vector: PostgreSQL puts off an output
        # column that costs a subquery until after the sort, so a LIMIT computes it for the
        # kept rows only. ts_rank_cd itself counts as cheap, and a search whose matches were
        # gathered from the GIN index and sorted computed it for every match (17 000 for
        # "deepfake minister", 30 ms of 100).
        rank = Subquery(
            CaseSearchDocument.objects.filter(case_study=OuterRef("pk"))
            .annotate(rank=SearchRank(F("vector"), combined, cover_density=True))
            .values("rank"),
            output_field=FloatField(),
        )
    found = queryset.filter(_combine(query, leaf)).annotate(search_rank=rank)
    return _ordered(found, ranked=bool(tsqueries))


def _corrected(query: Query, *, reader) -> Query | None:
    """The query with each word replaced by the nearest words of the index (a typo), or None
    when no word has a neighbour.

    Looked up by trigram distance in ``SearchWord`` (a few thousand distinct words, GiST
    index) rather than against whole documents, which took 17–50 s at 100 000 cases; only the
    words of shared, published cases are there, only those such a case still holds are offered
    (``NEAREST_WORDS_SQL``), and the corrected words are never shown.
    """
    words = sorted(
        {
            term.text.lower()
            for term in query.positive_terms
            if not (term.unspaced or term.phrase) and len(term.text) >= 3
        }
    )
    whole = CaseStudy.objects.tlps_published_to(reader) if reader is not None else {"clear"}
    if not words or CaseStudy.TLP.CLEAR not in whole:
        return None
    near: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            NEAREST_WORDS_SQL, [words, CaseStudy.TLP.GREEN in whole, sorted(whole), TYPO_NEAREST]
        )
        for typed, found in cursor.fetchall():
            near.setdefault(typed, []).append(found)
    if not near:
        return None
    groups = []
    for group in query.groups:
        alternatives = []
        for term in group:
            # The word as typed stays: "russia disinformaton" still wants "russia".
            replacements = [] if term.negated else near.get(term.text.lower(), [])
            alternatives += [term, *(Term(word) for word in replacements)]
        groups.append(alternatives)
    return Query(groups)


def _fts_phrase(term: Term) -> str:
    # A quoted FTS5 string: the tokenizer still stems it; quotes inside are doubled.
    return '"' + term.text.replace('"', '""') + '"'


def _fts(sql: str, expression: str, **kwargs) -> RawSQL:
    # Table and column names are this module's constants; the user's words go in as a parameter.
    return RawSQL(sql, [expression], **kwargs)  # noqa: S611


def _sqlite_search(queryset: QuerySet[CaseStudy], query: Query) -> QuerySet[CaseStudy]:
    def matching(table: str, term: Term) -> Q:
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
        return Q(pk__in=_fts(sql, _fts_phrase(term)))

    def leaf(term: Term) -> Q:
        if not term.unspaced:
            return matching(FTS_TABLE, term)
        # The trigram tokenizer needs three characters; shorter words match as substrings.
        return matching(TRIGRAM_TABLE, term) if len(term.text) >= 3 else _substring(term)

    ranked_terms = [t for t in query.positive_terms if not t.unspaced]
    rank = Value(0.0, output_field=FloatField())
    if ranked_terms:
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        # bm25 is lower for better matches: negated, so that higher ranks first everywhere.
        sql = (
            f"SELECT -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = {CaseStudy._meta.db_table}.id"
        )
        expression = " OR ".join(_fts_phrase(t) for t in ranked_terms)
        rank = _fts(sql, expression, output_field=FloatField())
    found = queryset.filter(_combine(query, leaf)).annotate(search_rank=rank)
    return _ordered(found, ranked=bool(ranked_terms))


def case_words_rank(words: list[str]):
    """How well each case's search document matches any of ``words``: an annotation, not a
    filter (a case matching none of them ranks 0 or NULL), for ranking cases found otherwise
    (``practices.insights.similar``). Higher is better on both databases; the scales differ
    (``ts_rank_cd`` against negated ``bm25``), so compare ranks only with each other."""
    terms = [Term(word) for word in dict.fromkeys(words) if word.strip()]
    if connection.vendor == "postgresql":
        tsqueries = [q for q in map(_tsquery, terms) if q is not None]
        if not tsqueries:
            return Value(0.0, output_field=FloatField())
        combined = tsqueries[0]
        for tsquery in tsqueries[1:]:
            combined |= tsquery
        return SearchRank(F("search_document__vector"), combined, cover_density=True)
    spaced = [term for term in terms if not term.unspaced]
    if not spaced:
        return Value(0.0, output_field=FloatField())
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (
        f"SELECT -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND rowid = {CaseStudy._meta.db_table}.id"
    )
    return _fts(sql, " OR ".join(_fts_phrase(t) for t in spaced), output_field=FloatField())


# --- Snippets ----------------------------------------------------------------------------------

SNIPPET_FIELDS = ("summary", "incident", "response", "outcome", "lessons", "recommendations")
SNIPPET_WORDS = 30
_WORD = re.compile(r"\w+", re.UNICODE)


def _matcher(query: Query) -> re.Pattern | None:
    patterns = []
    for term in query.positive_terms:
        for word in _WORD.findall(term.text):
            if term.unspaced:
                patterns.append(re.escape(word))
            elif word.lower() in stopwords.ENGLISH:
                continue  # ignored by the search, so not what it found ("the", "about")
            else:
                # Roughly what the stemmer keeps: "elections" and "electoral" share "elect".
                stem = word[: max(4, len(word) - 3)] if len(word) > 4 else word
                patterns.append(r"\b" + re.escape(stem) + r"\w*")
    if not patterns:
        return None
    return re.compile("|".join(sorted(set(patterns), key=len, reverse=True)), re.IGNORECASE)


def case_snippet(case_study: CaseStudy, text: str) -> SafeString:
    """A short passage of the case's own text around the first match, matches in ``<mark>``.

    Drawn only from the case's narrative fields, never from its organisation or recipients, so
    it shows nothing the reader of the case could not read on its page. Escaped before marking.
    """
    matcher = _matcher(parse(text))
    if matcher is None:
        return mark_safe("")
    for value in _snippet_texts(case_study):
        found = matcher.search(value)
        if not found:
            continue
        words = value.split(" ")
        at = value[: found.start()].count(" ")  # the word the match starts in
        first = max(at - SNIPPET_WORDS // 3, 0)
        cut = " ".join(words[first : first + SNIPPET_WORDS])
        prefix = "… " if first > 0 else ""
        suffix = " …" if first + SNIPPET_WORDS < len(words) else ""
        return mark_safe(prefix + _marked(cut, matcher) + suffix)  # noqa: S308 (escaped)
    return mark_safe("")


def _snippet_texts(case_study: CaseStudy) -> Iterator[str]:
    """The narrative fields as written, then, for a match the query's normalised words find
    only that way (half-width katakana, full-width letters), NFKC-normalised as the index is."""
    texts = [" ".join(getattr(case_study, name, "").split()) for name in SNIPPET_FIELDS]
    yield from texts
    for value in texts:
        if (normalised := unicodedata.normalize("NFKC", value)) != value:
            yield normalised


def _marked(text: str, matcher: re.Pattern) -> str:
    """``text`` escaped, with each match wrapped in ``<mark>`` (matched on the raw text, so an
    entity such as ``&amp;`` is never cut)."""
    parts, last = [], 0
    for found in matcher.finditer(text):
        parts.append(html.escape(text[last : found.start()]))
        parts.append(f"<mark>{html.escape(found.group(0))}</mark>")
        last = found.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
