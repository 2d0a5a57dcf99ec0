"""Full-text search over cases, with one behaviour on PostgreSQL and on SQLite.

What is searched
----------------
Each case has one ``CaseSearchDocument``: weight A the title, keywords and the labels and codes
of its terms (with their taxonomy's name, so ``disarm`` or ``Japan`` find tagged cases), B the
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
``elections``), ranked by ``ts_rank_cd``; when the words find nothing, each word is matched by
trigram similarity instead (``pg_trgm``), so a missing, extra or wrong letter still finds
the case. On SQLite the same
terms run against an FTS5 table with the Porter stemmer, ranked by ``bm25``. Terms in Japanese
or Korean, which are written without spaces, match as substrings on both (trigram index on
PostgreSQL, FTS5's trigram tokenizer on SQLite).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from practices.cases.models import CaseStudy
from practices.discovery.models import CaseSearchDocument
from practices.discovery.query import Query, Term, parse

logger = logging.getLogger(__name__)

CONFIG = "english"
FTS_TABLE = "practices_casesearch_fts"
TRIGRAM_TABLE = "practices_casesearch_trigram"
TEXT_FIELDS = ("heading", "body", "detail")
# FTS5's bm25 weights for heading, body and detail, in the ratio of PostgreSQL's A/B/C defaults.
BM25_WEIGHTS = (1.0, 0.4, 0.2)
TYPO_SIMILARITY = 0.5
TYPO_TIMEOUT_MS = 300
TYPO_MAX_CASES = 1000
BATCH = 500


# --- The index -------------------------------------------------------------------------------


def _texts(case_study: CaseStudy) -> dict[str, str]:
    terms = list(case_study.terms.all())
    heading = [case_study.title]
    for term in terms:
        heading += [term.label, term.code, term.taxonomy.name]
    return {
        "heading": "\n".join(part for part in heading if part),
        "body": "\n".join(
            filter(None, [case_study.summary, case_study.lessons, case_study.recommendations])
        ),
        "detail": "\n".join(
            filter(None, [case_study.incident, case_study.response, case_study.outcome])
        ),
    }


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
        CaseSearchDocument(case_study=case, **_texts(case)) for case in cases
    )
    if connection.vendor == "postgresql":
        _postgres_vectors(ids)
    elif connection.vendor == "sqlite":
        _sqlite_mirror(ids)
    return len(cases)


def _postgres_vectors(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {CaseSearchDocument._meta.db_table}
               SET vector = setweight(to_tsvector(%s, heading), 'A')
                         || setweight(to_tsvector(%s, body), 'B')
                         || setweight(to_tsvector(%s, detail), 'C')
             WHERE case_study_id = ANY(%s)
            """,  # noqa: S608 (table name from the model, values as parameters)
            [CONFIG, CONFIG, CONFIG, ids],
        )


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
    ids = list(cases.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        search_index_update(ids[start : start + BATCH])
    return len(ids)


# --- Queries -----------------------------------------------------------------------------------


def case_search(queryset: QuerySet[CaseStudy], text: str) -> QuerySet[CaseStudy]:
    """The cases of ``queryset`` that match ``text``, annotated with ``search_rank`` and ordered
    by it (then the newest first). An empty query leaves the queryset as it is."""
    query = parse(text)
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, query)
    return _sqlite_search(queryset, query)


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


def _postgres_search(queryset: QuerySet[CaseStudy], query: Query) -> QuerySet[CaseStudy]:
    def tsquery(term: Term) -> SearchQuery:
        return SearchQuery(term.text, config=CONFIG, search_type="phrase")

    def leaf(term: Term) -> Q:
        if term.unspaced:
            return _substring(term)
        return Q(search_document__vector=tsquery(term))

    ranked_terms = [t for t in query.positive_terms if not t.unspaced]
    rank = Value(0.0, output_field=FloatField())
    if ranked_terms:
        combined = tsquery(ranked_terms[0])
        for term in ranked_terms[1:]:
            combined |= tsquery(term)
        rank = SearchRank(F("search_document__vector"), combined, cover_density=True)
    found = queryset.filter(_combine(query, leaf)).annotate(search_rank=rank)
    if ranked_terms and not found.exists():
        # Nothing matched word for word: try each word as a near spelling (a typo).
        near = _near_spelling_ids(queryset.filter(_combine(query, _near_spelling)))
        found = queryset.filter(pk__in=near).annotate(search_rank=rank)
    return _ordered(found, ranked=bool(ranked_terms))


def _near_spelling_ids(candidates: QuerySet[CaseStudy]) -> list[int]:
    """The cases a typo search finds, within a time bound.

    Trigram similarity (``%>`` through the trigram indexes) must recheck every document that
    shares a few trigrams with the word, and long documents share most of them: at 100 000
    cases that took 17–50 s in bench/search.py. Until a word list makes this cheap, the attempt
    gets ``TYPO_TIMEOUT_MS`` and finds nothing when it runs out, rather than hold a request.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Both settings are local to this savepoint's transaction and end with it.
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [str(TYPO_SIMILARITY), f"{TYPO_TIMEOUT_MS}ms"],
            )
            ids = list(candidates.values_list("pk", flat=True)[:TYPO_MAX_CASES])
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
            return ids
    except OperationalError:
        logger.warning("A typo search ran out of time (%d ms); it found nothing", TYPO_TIMEOUT_MS)
        return []


def _near_spelling(term: Term) -> Q:
    if term.unspaced or term.phrase:
        return _substring(term)
    condition = Q()
    for name in TEXT_FIELDS:
        condition |= Q(**{f"search_document__{name}__trigram_word_similar": term.text})
    return condition


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
    for name in SNIPPET_FIELDS:
        value = " ".join(getattr(case_study, name, "").split())
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
