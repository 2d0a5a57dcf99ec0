#!/usr/bin/env python
"""Benchmark of search and the browse page on PostgreSQL; prints figures, asserts nothing.

    createdb -h 127.0.0.1 -U postgres cdpe_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdpe_bench .venv/bin/python bench/search.py
    DATABASE_URL=… .venv/bin/python bench/search.py --repeat 10 --explain   # plans as well

It migrates, loads the demo data, adds bench organisations and seeds N cases (default
100 000; marked by their bench organisations) with COPY — not through the services — then
builds their search documents with one set-based statement that computes what
``practices.discovery.search`` computes per case. It refuses to touch a database holding
anything but demo and bench data.

It measures, for a visitor, a member and a moderator and a fixed set of one- and two-word
queries with and without a tag filter: the search (``case_search`` over ``visible_to``: one
page of 20 and the total, as the browse page needs them) next to a floor — the same page and
total from hand-written SQL — and the browse page (``GET /cases/?q=…``, Django's test client)
with its query count. Add a measurement with one ``Bench.measure`` call (see ``measure_all``).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Measure as production runs: no SQL logging, no debug templates.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.conf import settings

# DEBUG is off, but nobody ran collectstatic for a bench: serve static names unhashed.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation, User
from bench.corpus import case_texts
from practices.cases import selectors
from practices.discovery import case_facts
from practices.discovery.browse import COUNT_CAP, CappedPaginator
from practices.discovery.facets import case_facets
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.search import (
    CONFIG,
    NEWEST_MATCHES,
    VECTOR_SQL,
    WORDS_SQL,
    _cjk_tsquery,
)
from practices.discovery.selection import Selection, tags_parse
from practices.discovery.window import UNDATED, publication_histogram
from practices.models import CaseSearchDocument, CaseStudy, Term

BENCH_ORG_PREFIX = "[bench] "
# Bench cases carry this in ``audiences`` (not searched), so a rerun tops up instead of doubling.
MARK = "[bench]"
BENCH_ORGANISATIONS = 40
PAGE = 20

# (query, tag filter or None). Common and rarer words, phrases, two words, each language.
QUERIES = [
    ("election", None),
    ("vaccine", None),
    ("pipeline", None),
    ("voter fraud", None),
    ("deepfake minister", None),
    ("election", "disarm-red:T0086"),
    ("vaccine", "country:JP"),
    ("platforms removed", "disarm-red:T0086"),
    ("选举 OR 選挙", None),
    ("허위 정보", None),
]


# --- Safety and seeding ------------------------------------------------------------------------


def refuse_unless_bench_database() -> None:
    """Only demo and bench organisations and people may be here: this script writes in bulk."""
    if connection.vendor != "postgresql":
        sys.exit("bench/search.py measures PostgreSQL: set DATABASE_URL to a bench database.")
    tables = connection.introspection.table_names()
    if "accounts_organisation" not in tables:
        return  # empty database, migrate will create everything
    foreign = Organisation.objects.filter(is_demo=False).count()
    people = User.objects.filter(is_demo=False, is_superuser=False).count()
    if foreign or people:
        sys.exit(
            f"Refusing to run: this database holds {foreign} organisation(s) and {people} "
            "person(s) that are not demo or bench data. Point DATABASE_URL at an empty database "
            "(createdb -h 127.0.0.1 -U postgres cdpe_bench)."
        )


def bench_organisations() -> list[Organisation]:
    """Demo organisations plus bench ones, so that a member's own cases are a small share."""
    rng = random.Random(11)
    existing = {o.slug for o in Organisation.objects.all()}
    groups = Organisation.PartnerGroup
    new = [
        Organisation(
            name=f"{BENCH_ORG_PREFIX}Organisation {n}",
            short_name=f"BENCH{n}",
            slug=f"bench-{n}",
            partner_group=rng.choice([groups.NATO_ALLY, groups.AP4_PARTNER, groups.OTHER_PARTNER]),
            is_demo=True,
        )
        for n in range(BENCH_ORGANISATIONS)
        if f"bench-{n}" not in existing
    ]
    Organisation.objects.bulk_create(new)
    return list(Organisation.objects.exclude(partner_group=groups.HUB).order_by("pk"))


def _terms_by_taxonomy() -> dict[str, list[int]]:
    terms: dict[str, list[int]] = {}
    for pk, slug in Term.objects.values_list("pk", "taxonomy__slug").order_by("pk"):
        terms.setdefault(slug, []).append(pk)
    return terms


# How many terms of each taxonomy a case carries: 5–30 in all.
TERM_QUOTAS = {
    "region": (1, 1),
    "country": (1, 3),
    "language": (1, 2),
    "disarm-red": (1, 10),
    "disarm-blue": (0, 6),
    "theme": (1, 3),
    "platform": (0, 3),
    "threat-actor": (0, 1),
    "keyword": (0, 2),
}

STATUSES = (["published", "draft", "submitted", "withdrawn", "rejected"], [85, 6, 4, 3, 2])
TLPS = (["clear", "green", "amber", "amber_strict"], [30, 50, 15, 5])
EFFECTIVENESS = [e.value for e in CaseStudy.Effectiveness]


def seed(count: int) -> int:
    """COPY ``count`` cases (with terms and recipients) unless that many are already there."""
    organisations = bench_organisations()
    bench_ids = [o.pk for o in organisations if o.slug.startswith("bench-")]
    existing = CaseStudy.objects.filter(audiences=MARK).count()
    if existing >= count:
        print(f"seed: {existing} bench cases already there")
        with transaction.atomic(), connection.cursor() as cursor:
            feed_entries(cursor)
        return 0
    terms = _terms_by_taxonomy()
    # Frequent and rare terms, as in real tagging: a skewed draw over each taxonomy.
    weights = {slug: [1 / (k + 1) for k in range(len(ids))] for slug, ids in terms.items()}
    org_ids = [o.pk for o in organisations]
    rng = random.Random(7)
    started = time.perf_counter()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('practices_casestudy', 'id')) "
            "FROM generate_series(1, %s)",
            [count - existing],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # psycopg's cursor, for COPY
        case_columns = (
            "id, uuid, organisation_id, status, version, title, summary, incident, "
            "attribution_confidence, audiences, incident_start, incident_end, response, "
            "responders, resources, outcome, effectiveness, evidence, lessons, recommendations, "
            "tlp, attribution_mode, submission_round, created_at, updated_at, submitted_at, "
            "published_at, language, summary_translation, summary_translation_language, "
            "discoverable"
        )
        links, recipients = [], []
        with raw.copy(f"COPY practices_casestudy ({case_columns}) FROM STDIN") as copy:
            for case_id in ids:
                texts = case_texts(rng)
                status = rng.choices(*STATUSES)[0]
                tlp = rng.choices(*TLPS)[0]
                organisation_id = rng.choice(bench_ids if rng.random() < 0.8 else org_ids)
                created = now - timedelta(
                    days=rng.randint(0, 6 * 365), minutes=rng.randint(0, 1440)
                )
                published = created + timedelta(days=rng.randint(1, 30))
                start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2800))
                copy.write_row(
                    (
                        case_id,
                        uuid.uuid4(),
                        organisation_id,
                        status,
                        1,
                        texts["title"],
                        texts["summary"],
                        texts["incident"],
                        "unattributed",
                        MARK,
                        start,
                        start + timedelta(days=rng.randint(0, 90)),
                        texts["response"],
                        "",
                        "",
                        texts["outcome"],
                        rng.choice(EFFECTIVENESS),
                        "",
                        texts["lessons"],
                        texts["recommendations"],
                        tlp,
                        rng.choice(["named", "named", "anonymised"]),
                        0 if status == "draft" else 1,
                        created,
                        published,
                        created if status != "draft" else None,
                        published if status in ("published", "withdrawn") else None,
                        texts["language"],
                        "",
                        "",
                        False,
                    )
                )
                chosen: set[int] = set()
                for slug, (low, high) in TERM_QUOTAS.items():
                    want = rng.randint(low, high)
                    while want and len(chosen) < 30:
                        chosen.add(rng.choices(terms[slug], weights=weights[slug])[0])
                        want -= 1
                links += [(case_id, term_id) for term_id in chosen]
                if tlp in ("amber", "amber_strict"):
                    named = rng.sample(org_ids, rng.randint(1, 3))
                    recipients += [(case_id, o) for o in named if o != organisation_id]
        with raw.copy("COPY practices_casestudy_terms (casestudy_id, term_id) FROM STDIN") as copy:
            for row in links:
                copy.write_row(row)
        with raw.copy(
            "COPY practices_casestudy_recipients (casestudy_id, organisation_id) FROM STDIN"
        ) as copy:
            for row in recipients:
                copy.write_row(row)
        feed_entries(cursor)
    print(
        f"seed: {len(ids)} cases, {len(links)} terms, {len(recipients)} recipients "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return len(ids)


def feed_entries(cursor) -> None:
    """A change-feed entry for every case without one, set-based: what ``feed.backfill`` (run by
    ``seed_demo``) does case by case, which took most of an hour at 100 000 cases."""
    cursor.execute(
        "INSERT INTO practices_feedcounter (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING"
    )
    cursor.execute(
        """
        WITH base AS (SELECT value FROM practices_feedcounter WHERE id = 1 FOR UPDATE),
        missing AS (
          SELECT c.id, c.uuid, c.organisation_id, c.status, c.tlp,
                 row_number() OVER (ORDER BY c.id) AS n
            FROM practices_casestudy c
           WHERE NOT EXISTS (SELECT 1 FROM practices_casechange x WHERE x.case_study_id = c.id)
        )
        INSERT INTO practices_casechange
               (seq, kind, case_uuid, case_study_id, organisation_id, status, tlp,
                public_to_all, deleted, created_at)
        SELECT base.value + n, 'case', uuid, id, organisation_id, status, tlp,
               status = 'published' AND tlp IN ('clear', 'green'), false, now()
          FROM missing, base
        """
    )
    cursor.execute(
        "UPDATE practices_feedcounter SET value = (SELECT coalesce(max(seq), 0) "
        "FROM practices_casechange) WHERE id = 1"
    )
    cursor.execute(
        """
        INSERT INTO practices_casechange_audience (casechange_id, organisation_id)
        SELECT x.id, r.organisation_id
          FROM practices_casechange x
          JOIN practices_casestudy_recipients r ON r.casestudy_id = x.case_study_id
         WHERE x.status = 'published' AND x.tlp IN ('amber', 'amber_strict')
           AND NOT EXISTS (SELECT 1 FROM practices_casechange_audience a
                            WHERE a.casechange_id = x.id)
        """
    )


def index_missing() -> None:
    """Search documents for every case without one, in one set-based statement per batch.

    The same texts as ``search._texts`` (heading: title and each term's label, code and
    taxonomy name; body; detail; not NFKC-normalised, which the bench's words never change),
    the same TLP and publication month (``window.document_month``) and the same weighted vector as
    ``search._postgres_vectors``;
    ``manage.py search_index_rebuild --missing`` does the same case by case, slower.
    """
    started = time.perf_counter()
    table = CaseSearchDocument._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics after the COPY, or the joins go wrong
        cursor.execute(
            "SELECT c.id FROM practices_casestudy c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} d WHERE d.case_study_id = c.id) "
            "ORDER BY c.id"
        )
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), 10_000):
            batch = ids[start : start + 10_000]
            cursor.execute(
                f"""
                INSERT INTO {table} (case_study_id, tlp, published_month, heading, body, detail)
                SELECT c.id, c.tlp,
                       COALESCE(
                           (extract(year FROM c.published_at AT TIME ZONE 'UTC') * 12
                            + extract(month FROM c.published_at AT TIME ZONE 'UTC') - 1)::integer,
                           CASE WHEN c.status = 'published' THEN {UNDATED} END),
                       concat_ws(E'\n', NULLIF(c.title, ''), (
                           SELECT string_agg(concat_ws(E'\n', NULLIF(t.label, ''),
                                             NULLIF(t.code, ''), NULLIF(x.name, '')),
                                             E'\n' ORDER BY t.id)
                             FROM practices_casestudy_terms ct
                             JOIN practices_term t ON t.id = ct.term_id
                             JOIN practices_taxonomy x ON x.id = t.taxonomy_id
                            WHERE ct.casestudy_id = c.id)),
                       concat_ws(E'\n', NULLIF(c.summary, ''), NULLIF(c.lessons, ''),
                                 NULLIF(c.recommendations, '')),
                       concat_ws(E'\n', NULLIF(c.incident, ''), NULLIF(c.response, ''),
                                 NULLIF(c.outcome, ''))
                  FROM practices_casestudy c
                 WHERE c.id = ANY(%s)
                """,
                [batch],
            )
            # The vector and the typo words exactly as practices.discovery.search writes them.
            cursor.execute(
                f"UPDATE {table} SET vector = {VECTOR_SQL} WHERE case_study_id = ANY(%s)", [batch]
            )
            cursor.execute(WORDS_SQL, [batch])
        if ids:
            # As autovacuum would, in time: statistics, and the visibility map that lets the
            # facets read the term links from the index alone.
            cursor.execute("VACUUM ANALYZE")
    print(f"index: {len(ids)} documents in {time.perf_counter() - started:.1f} s")


# --- Measuring ---------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[
        min(len(samples) - 1, round(0.95 * (len(samples) - 1)))
    ]


@dataclass
class Bench:
    repeat: int
    rows: list[tuple] = field(default_factory=list)

    def timed(
        self,
        function: Callable[[], object],
        repeat: int | None = None,
        *,
        first: bool = False,
        before: Callable[[], object] | None = None,
    ) -> list[float]:
        """``repeat`` timings of ``function`` after one warm-up call; with ``first``, the
        shared cache is emptied before each (untimed), so every call is a first request:
        no cached search matches and no cached facet aggregate, only the publication
        histogram that beat keeps built; ``before`` runs (untimed) after that."""
        repeat = repeat or self.repeat
        if repeat > 1:
            function()  # warm the database's buffers and the connection
        samples = []
        for _ in range(repeat):
            if first:
                cache.clear()
                # Except what beat keeps built for every reader, so that readers do not build
                # it (practices.insights.warming): the width of a search's window.
                publication_histogram()
            if before is not None:
                before()
            started = time.perf_counter()
            function()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def measure(
        self,
        name: str,
        calls: list[Callable[[], object]],
        floors: list[Callable[[], object]] | None = None,
        repeat: int | None = None,
        *,
        first: bool = False,
        before: Callable[[], object] | None = None,
    ) -> None:
        """One line: ``calls`` (one per query of the set) timed together — p50 and p95 over
        every sample of every query — next to their floors, and the queries per call."""
        samples, floor_samples, counts = [], [], set()
        for call in calls:
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                call()
            counts.add(len(captured))
            samples += self.timed(call, repeat, first=first, before=before)
        for floor in floors or []:
            floor_samples += self.timed(floor, repeat)
        median, p95 = percentiles(samples)
        floor_median, floor_p95 = percentiles(floor_samples) if floor_samples else (None, None)
        row = (name, median, p95, floor_median, floor_p95, "/".join(map(str, sorted(counts))))
        self.rows.append(row)
        print(self.format(row), flush=True)

    @staticmethod
    def format(row: tuple) -> str:
        name, median, p95, floor_median, floor_p95, queries = row

        def ms(value):
            return f"{value:>9.1f}" if value is not None else f"{'–':>9}"

        return f"{name:<44} {ms(median)} {ms(p95)} {ms(floor_median)} {ms(floor_p95)} {queries:>8}"


def search_page(actor, text: str, tag: str | None) -> Callable[[], object]:
    """What the browse page asks of search: the first page of 20 by relevance (among the
    newest ``NEWEST_MATCHES`` matches) and the total counted up to ``COUNT_CAP + 1``, through
    the page's own filterset (``CaseStudyFilterSet.for_reader``: its reader, its window, a
    narrowed search read once) and ``CappedPaginator``."""
    data = QueryDict(mutable=True)
    data["q"] = text
    if tag:
        data["tag"] = tag

    def run():
        filterset = CaseStudyFilterSet.for_reader(data, actor=actor)
        queryset = filterset.selection.ordered(filterset.qs)
        paginator = CappedPaginator(queryset, PAGE, bounded=True)  # as the page does
        return list(paginator.get_page(1)), paginator.count

    return run


def floor_visibility(actor) -> tuple[str, list]:
    """``visible_to`` written by hand, for the floors."""
    if actor is None:
        return "c.status = 'published' AND c.tlp = 'clear'", []
    if actor.is_moderator:
        return "(c.organisation_id = %s OR c.status <> 'draft')", [actor.organisation_id]
    return (
        "(c.organisation_id = %s OR (c.status = 'published' AND (c.tlp IN ('clear', 'green') "
        "OR (c.tlp IN ('amber', 'amber_strict') AND EXISTS (SELECT 1 FROM "
        "practices_casestudy_recipients r WHERE r.casestudy_id = c.id "
        "AND r.organisation_id = %s)))))",
        [actor.organisation_id, actor.organisation_id],
    )


def search_floor(
    actor, text: str, tag: str | None, *, with_facets: bool = False
) -> Callable[[], object]:
    """The same page and total by hand: websearch_to_tsquery on the GIN index (character pairs
    for Japanese and Korean), ts_rank_cd over the newest matches, a capped count; no ORM."""
    visible, params = floor_visibility(actor)
    if any(ord(ch) > 0x2E80 for ch in text):
        # Japanese and Korean as the index holds them: phrases of character pairs.
        words = [w for w in text.split() if w != "OR"]
        pairs = " | ".join(f"({_cjk_tsquery(w)})" for w in words)
        match = "d.vector @@ to_tsquery('simple', %s)"
        match_params = [pairs]
        rank = "ts_rank_cd(d.vector, to_tsquery('simple', %s))"
        rank_params: list = [pairs]
    else:
        match = "d.vector @@ websearch_to_tsquery(%s, %s)"
        match_params = [CONFIG, text]
        rank = "ts_rank_cd(d.vector, websearch_to_tsquery(%s, %s))"
        rank_params = [CONFIG, text]
    tag_sql, tag_params = "", []
    if tag:
        slug, code = tag.split(":")
        tag_sql = (
            " AND EXISTS (SELECT 1 FROM practices_casestudy_terms ct JOIN practices_term t "
            "ON t.id = ct.term_id JOIN practices_taxonomy x ON x.id = t.taxonomy_id "
            "WHERE ct.casestudy_id = c.id AND x.slug = %s AND t.code = %s)"
        )
        tag_params = [slug, code]
    # The newest matches of the words (visible, published), then the tag within them.
    newest = (
        "SELECT c.id FROM practices_casestudy c "
        "JOIN practices_casesearchdocument d ON d.case_study_id = c.id "
        f"WHERE c.status = 'published' AND {visible} AND {match} "
        f"ORDER BY c.published_at DESC, c.id DESC LIMIT {NEWEST_MATCHES}"
    )
    where = (
        "FROM practices_casestudy c JOIN practices_casesearchdocument d ON d.case_study_id = c.id "
        f"WHERE c.id IN ({newest}){tag_sql}"
    )
    page_sql = (
        f"SELECT c.id, c.title, c.summary, {rank} AS rank {where} "
        f"ORDER BY rank DESC, c.published_at DESC NULLS LAST, c.id DESC LIMIT {PAGE}"
    )
    count_sql = f"SELECT count(*) FROM (SELECT 1 {where} LIMIT {COUNT_CAP + 1}) capped"
    where_params = params + match_params + tag_params
    # With ``with_facets``: the panel's counts over the same matches, grouped by hand (each term's
    # cases, and the cases per TLP, effectiveness, language and year), as the search's first
    # panel is counted: ``search + facets`` together, the first target.
    facets_sql = (
        "WITH m AS (SELECT c.id, c.tlp, c.effectiveness, c.language, "
        f"EXTRACT(year FROM c.incident_start) AS y {where}) "
        "SELECT ct.term_id, NULL, NULL, NULL, NULL, count(*) FROM practices_casestudy_terms ct "
        "WHERE ct.casestudy_id IN (SELECT id FROM m) GROUP BY ct.term_id "
        "UNION ALL SELECT NULL, tlp, effectiveness, language, y, count(*) FROM m "
        "GROUP BY tlp, effectiveness, language, y"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(page_sql, rank_params + where_params)
            page = cursor.fetchall()
            cursor.execute(count_sql, where_params)
            total = cursor.fetchone()
            if not with_facets:
                return page, total
            cursor.execute(facets_sql, where_params)
            return page, total, cursor.fetchall()

    return run


def facets(actor, text: str, tag: str | None) -> Callable[[], object]:
    """The facet panel of the browse page for this search (``case_facets``)."""
    data = QueryDict(mutable=True)
    if text:
        data["q"] = text
    if tag:
        data["tag"] = tag

    def run():
        return case_facets(CaseStudyFilterSet.for_reader(data, actor=actor))

    return run


def facets_floor(actor) -> Callable[[], object]:
    """The term counts of the unfiltered page by hand: one GROUP BY over the visible published
    cases' term links (what the page computed on every request before the shared aggregate)."""
    visible, params = floor_visibility(actor)
    sql = (
        "SELECT ct.term_id, count(*) FROM practices_casestudy_terms ct "
        "JOIN practices_casestudy c ON c.id = ct.casestudy_id "
        f"WHERE c.status = 'published' AND {visible} GROUP BY ct.term_id"
    )

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def browse(client: Client, text: str, tag: str | None) -> Callable[[], object]:
    params = {"q": text} if text else {}
    if tag:
        params["tag"] = tag

    def run():
        response = client.get("/cases/", params)
        assert response.status_code == 200, response.status_code
        return response

    return run


def actors() -> dict[str, object]:
    member = User.objects.get(email="member@ee.demo")
    moderator = User.objects.get(email="moderator@hub.demo")
    return {"visitor": None, "member": member, "moderator": moderator}


def restarted() -> None:
    """The memory of the cases' facts as a worker's start leaves it (``case_facts.warm``)."""
    case_facts.forget()
    case_facts.warm()


# "first": nothing of this search in the shared cache, the process's memory of the cases'
# facts (``case_facts``) as earlier requests left it; "started": that memory as a worker's
# start leaves it (the newest cases read); "cold": that memory empty (a worst case: a worker
# whose start could not warm it); "again": the same request repeated.
FACET_KINDS = (
    ("first", True, None),
    ("first, started", True, restarted),
    ("first, cold", True, case_facts.forget),
    ("again", False, None),
)


def measure_all(bench: Bench, explain: bool, typo: bool) -> None:
    header = f"{'measurement':<44} {'p50 ms':>9} {'p95 ms':>9} {'floor p50':>9} {'floor p95':>9}"
    print(f"{header} {'queries':>8}")
    one_word = [(q, t) for q, t in QUERIES if len(q.split()) == 1 and t is None]
    two_words = [(q, t) for q, t in QUERIES if len(q.split()) > 1 and t is None]
    filtered = [(q, t) for q, t in QUERIES if t is not None]
    sets = {"1 word": one_word, "2 words / CJK": two_words, "with a tag": filtered}
    # "first": the shared cache emptied before each request (no cached matches or aggregate);
    # "again": the same request repeated, as when a reader pages, sorts or picks a facet.
    for actor_name, actor in actors().items():
        reader = actor if actor is not None else AnonymousUser()
        for set_name, queries in sets.items():
            for kind, first in (("first", True), ("again", False)):
                bench.measure(
                    f"search {set_name}, {actor_name}, {kind}",
                    [search_page(reader, q, t) for q, t in queries],
                    [search_floor(actor, q, t) for q, t in queries] if first else None,
                    first=first,
                )
        bench.measure(
            f"facets, no q, {actor_name}", [facets(reader, "", None)], [facets_floor(actor)]
        )
        for kind, first, before in FACET_KINDS:
            bench.measure(
                f"facets with q, {actor_name}, {kind}",
                [facets(reader, q, t) for q, t in QUERIES],
                [search_floor(actor, q, t, with_facets=True) for q, t in QUERIES]
                if kind == "first"
                else None,
                first=first,
                before=before,
            )
        client = Client()
        if actor is not None:
            client.force_login(actor)
        bench.measure(f"browse, no q, {actor_name}", [browse(client, "", None)])
        for kind, first, before in FACET_KINDS:
            bench.measure(
                f"browse with q, {actor_name}, {kind}",
                [browse(client, q, t) for q, t in QUERIES],
                first=first,
                before=before,
            )
    if typo:
        # No word matches, so search falls back to trigram word similarity: once, it is slow.
        member = actors()["member"]
        bench.measure(
            "search typo 'electons' (fallback), member",
            [search_page(member, "electons", None)],
            repeat=1,
        )
    if explain:
        explain_plans()


def explain_plans() -> None:
    """The plans of the page's two search queries (the bounded, ranked page and the capped
    count) for a member, for one word alone and with a tag."""
    member = User.objects.get(email="member@ee.demo")
    for text, tag in QUERIES[:1] + QUERIES[5:6]:
        selection = Selection(text=text, tags=tags_parse([tag]) if tag else {})
        queryset = selection.ordered(
            selection.narrow(selection.search(selectors.case_study_list(actor=member)))
        )
        capped = queryset.order_by().values("pk")[: COUNT_CAP + 1]
        for label, qs in (("page", queryset[:PAGE]), ("capped count", capped)):
            sql, params = qs.query.sql_with_params()
            if label == "capped count":
                sql = f"SELECT count(*) FROM ({sql}) sub"
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print(f"\n--- {label}: {text!r} {tag or ''}")
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print query plans too")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--typo", action="store_true", help="also time one typo search (slow)")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once set up, as the portal's gunicorn workers do after loading "
        "(portal/gunicorn.conf.py): a full garbage collection then skips start-up's objects",
    )
    options = parser.parse_args()

    refuse_unless_bench_database()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed(options.cases)  # after seed_demo: the bench cases' feed entries are written in bulk
    index_missing()
    if options.seed_only:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(
        f"database: {version}, cases: {CaseStudy.objects.count()}, "
        f"published: {CaseStudy.objects.published().count()}, cores: {os.cpu_count()}, "
        f"repeat: {options.repeat}, page: {PAGE}"
    )
    print(f"gc.freeze: {'yes' if options.gc_freeze else 'no'}")
    if options.gc_freeze:
        client = Client()
        client.force_login(actors()["member"])
        for text, tag in QUERIES[:1] + QUERIES[5:6]:  # templates, catalogues and URLs loaded
            browse(client, text, tag)()
        gc.collect()
        gc.freeze()
    measure_all(Bench(options.repeat), options.explain, options.typo)


if __name__ == "__main__":
    main()
