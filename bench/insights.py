#!/usr/bin/env python
"""Benchmark of the pages across cases on PostgreSQL; prints figures, asserts nothing.

    createdb -h 127.0.0.1 -U postgres cdpe_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdpe_bench
    .venv/bin/python -u bench/search.py --seed-only      # the 100 000 cases (once, ~10 min)
    .venv/bin/python -u bench/insights.py --repeat 10    # the figures
    .venv/bin/python -u bench/insights.py --pages matrix,insights --actors member

It uses ``bench/search.py``'s database, seeding and measuring (``seed``, ``index_missing``,
``Bench``, ``floor_visibility``, ``actors``) and adds adoption feedback to the bench cases once
(``seed_adoptions``), so that the insights page's most-adopted ranking has something to rank.

It measures, for a visitor, a member and a moderator, each page through Django's test client
with ``DEBUG=false`` (authentication, the figures, the template), with no filter and with a
search: the DISARM matrix (Red and Blue), "what worked against" the most frequent technique,
the across-theatres page and the insights page. Each is timed *first* (the shared cache
emptied before each request: no cached search matches, no cached aggregate) and *again* (the
same request repeated); without a filter also *after a change* (the cache emptied, then the
shared aggregates rebuilt as the worker does after each change: ``warming.aggregates_build``,
whose own time is the last line). Next to each, a *floor*: the same figures from hand-written
SQL, with the visibility rule written out (``floor_visibility``) and a search as
``search_matches`` bounds it (the newest ``NEWEST_MATCHES`` visible published matches).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from bench.search import (
    MARK,
    Bench,
    actors,
    floor_visibility,
    index_missing,
    refuse_unless_bench_database,
    seed,
)
from practices.discovery.browse import COUNT_CAP
from practices.discovery.search import CONFIG, NEWEST_MATCHES
from practices.hub.adoptions import EFFECT_SCORES
from practices.insights import shared, warming
from practices.insights.charts import TOP
from practices.insights.selectors import EXAMPLES_SCANNED
from practices.insights.theatres import THEATRES
from practices.models import Adoption, CaseStudy, Term

SEARCH = "election"
# Share of the published CLEAR/GREEN bench cases that some organisation says it applied, and
# how many times at most (one to this many).
ADOPTED_SHARE, ADOPTIONS_MAX = 0.1, 5


# --- Adoption feedback -------------------------------------------------------------------------


def seed_adoptions() -> None:
    """Adoptions of a tenth of the published CLEAR/GREEN bench cases (1–5 each, by another
    organisation, a third anonymised), set-based; a rerun adds none (they are marked)."""
    if Adoption.objects.filter(where=MARK).exists():
        print(f"adoptions: {Adoption.objects.filter(where=MARK).count()} already there")
        return
    effects = [e.value for e in CaseStudy.Effectiveness]
    evidence = [e.value for e in CaseStudy.Evidence]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
        cursor.execute(
            """
            WITH orgs AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_organisation
                           WHERE slug LIKE 'bench-%%'),
            adopted AS (
              SELECT c.id, c.organisation_id, c.published_at,
                     1 + floor(random() * %(most)s)::int AS times
                FROM practices_casestudy c
               WHERE c.audiences = %(mark)s AND c.status = 'published'
                 AND c.tlp IN ('clear', 'green') AND random() < %(share)s
            )
            INSERT INTO practices_adoption
                   (uuid, applied_on, "where", adaptation, effect, evidence, attribution_mode,
                    version, created_at, updated_at, author_id, case_study_id, organisation_id)
            SELECT gen_random_uuid(), (a.published_at + interval '30 days')::date, %(mark)s, '',
                   (%(effects)s::text[])[1 + floor(random() * %(n_effects)s)::int],
                   (%(evidence)s::text[])[1 + floor(random() * %(n_evidence)s)::int],
                   CASE WHEN random() < 0.33 THEN 'anonymised' ELSE 'named' END,
                   1, now(), now(), NULL, a.id,
                   orgs.ids[1 + (a.id * 7 + n) %% array_length(orgs.ids, 1)]
              FROM adopted a, orgs, generate_series(1, a.times) AS n
             WHERE orgs.ids[1 + (a.id * 7 + n) %% array_length(orgs.ids, 1)] <> a.organisation_id
            """,
            {
                "mark": MARK,
                "most": ADOPTIONS_MAX,
                "share": ADOPTED_SHARE,
                "effects": effects,
                "n_effects": len(effects),
                "evidence": evidence,
                "n_evidence": len(evidence),
            },
        )
        print(f"adoptions: {cursor.rowcount} seeded")
        cursor.execute("ANALYZE practices_adoption")


# --- Pages -------------------------------------------------------------------------------------


def frequent_technique() -> str:
    """The DISARM Red technique (not a tactic) on most published cases: the worst case of
    "what worked against …"."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.code FROM practices_casestudy_terms ct "
            "JOIN practices_term t ON t.id = ct.term_id "
            "JOIN practices_taxonomy x ON x.id = t.taxonomy_id "
            "JOIN practices_casestudy c ON c.id = ct.casestudy_id "
            "WHERE x.slug = 'disarm-red' AND t.parent_id IS NOT NULL AND c.status = 'published' "
            "GROUP BY t.code ORDER BY count(*) DESC, t.code LIMIT 1"
        )
        return cursor.fetchone()[0]


def page(client: Client, url: str, text: str) -> Callable[[], object]:
    params = {"q": text} if text else {}

    def run():
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return run


# --- Floors: the same figures by hand ----------------------------------------------------------


def matched(actor, text: str) -> tuple[str, list]:
    """The cases every figure counts from, as SQL: the visible published cases, and with words
    the newest ``NEWEST_MATCHES`` of them that match (as ``search_matches`` keeps them)."""
    visible, params = floor_visibility(actor)
    if not text:
        return (
            f"SELECT c.id FROM practices_casestudy c WHERE c.status = 'published' AND {visible}",
            params,
        )
    return (
        "SELECT c.id FROM practices_casestudy c "
        "JOIN practices_casesearchdocument d ON d.case_study_id = c.id "
        f"WHERE c.status = 'published' AND {visible} "
        "AND d.vector @@ websearch_to_tsquery(%s, %s) "
        f"ORDER BY c.published_at DESC, c.id DESC LIMIT {NEWEST_MATCHES}",
        [*params, CONFIG, text],
    )


def _taxonomy(slug: str) -> str:
    return (
        "SELECT t.id FROM practices_term t JOIN practices_taxonomy x ON x.id = t.taxonomy_id "
        f"WHERE x.slug = '{slug}'"
    )


def _vocabulary(slug: str) -> str:
    return (
        "SELECT t.id, t.code, t.label, t.parent_id, t.is_active FROM practices_term t "
        "JOIN practices_taxonomy x ON x.id = t.taxonomy_id "
        f"WHERE x.slug = '{slug}' ORDER BY t.position, t.code"
    )


_CAPPED = f"SELECT count(*) FROM (SELECT 1 FROM m LIMIT {COUNT_CAP + 1}) capped"


def floor(actor, text: str, statements: list[str]) -> Callable:
    """Run ``statements`` one after another, as the page's figures need them; each may read
    ``m``, the ids of the matched cases (a common table expression)."""
    cases, params = matched(actor, text)

    def run():
        with connection.cursor() as cursor:
            results = []
            for sql in statements:
                cursor.execute(f"WITH m AS ({cases}) {sql}", params)
                results.append(cursor.fetchall())
            return results

    return run


def matrix_floor(actor, text: str) -> Callable:
    """The Red matrix: the cases of each technique, the vocabulary, the capped total."""
    return floor(
        actor,
        text,
        [
            "SELECT ct.term_id, count(*) FROM practices_casestudy_terms ct "
            "JOIN m ON m.id = ct.casestudy_id "
            f"WHERE ct.term_id IN ({_taxonomy('disarm-red')}) GROUP BY ct.term_id",
            _vocabulary("disarm-red"),
            _CAPPED,
        ],
    )


def blue_floor(actor, text: str) -> Callable:
    """The Blue view: each counter's cases by effectiveness, the vocabulary, the total."""
    return floor(
        actor,
        text,
        [
            "SELECT ct.term_id, c.effectiveness, count(*) FROM practices_casestudy_terms ct "
            "JOIN m ON m.id = ct.casestudy_id JOIN practices_casestudy c ON c.id = m.id "
            f"WHERE ct.term_id IN ({_taxonomy('disarm-blue')}) GROUP BY 1, 2",
            _vocabulary("disarm-blue"),
            _CAPPED,
        ],
    )


def what_worked_floor(actor, text: str, code: str) -> Callable:
    """What worked against ``code``: the subject's cases by effectiveness, evidence and whether
    they name a counter; each counter's by effectiveness and evidence; the newest cases with
    their counters, for the examples."""
    # Codes are letters, digits and dots (T0086.001): written into the SQL as they are.
    red, blue = _taxonomy("disarm-red"), _taxonomy("disarm-blue")
    subject = (
        "EXISTS (SELECT 1 FROM practices_casestudy_terms s WHERE s.casestudy_id = c.id "
        f"AND s.term_id = (SELECT u.id FROM practices_term u WHERE u.id IN ({red}) "
        f"AND u.code = '{code}'))"
    )
    about = f"SELECT c.* FROM practices_casestudy c JOIN m ON m.id = c.id WHERE {subject}"
    return floor(
        actor,
        text,
        [
            f"SELECT u.id, u.label FROM practices_term u WHERE u.id IN ({red}) "
            f"AND u.code = '{code}'",
            "SELECT a.effectiveness, a.evidence, EXISTS (SELECT 1 FROM practices_casestudy_terms "
            f"b WHERE b.casestudy_id = a.id AND b.term_id IN ({blue})), count(*) "
            f"FROM ({about}) a GROUP BY 1, 2, 3",
            "SELECT ct.term_id, t.code, t.label, a.effectiveness, a.evidence, count(*) "
            f"FROM ({about}) a JOIN practices_casestudy_terms ct ON ct.casestudy_id = a.id "
            f"JOIN practices_term t ON t.id = ct.term_id WHERE ct.term_id IN ({blue}) "
            "GROUP BY 1, 2, 3, 4, 5",
            "SELECT n.id, n.uuid, n.title, ct.term_id FROM (SELECT a.id, a.uuid, a.title, "
            f"a.published_at FROM ({about}) a ORDER BY a.published_at DESC, a.id DESC "
            f"LIMIT {EXAMPLES_SCANNED}) n LEFT JOIN practices_casestudy_terms ct "
            f"ON ct.casestudy_id = n.id AND ct.term_id IN ({blue})",
        ],
    )


def _theatre_case() -> str:
    whens = " ".join(
        f"WHEN r.code IN ({', '.join(repr(c) for c in codes)}) THEN '{key}'"
        for key, codes in THEATRES.items()
    )
    return f"CASE {whens} END"


def theatres_floor(actor, text: str) -> Callable:
    """Across theatres: each theatre's cases, the terms seen in both with their first
    incident, and each counter's cases by theatre and effectiveness."""
    codes = ", ".join(repr(c) for codes in THEATRES.values() for c in codes)
    regions = (
        "SELECT ct.casestudy_id, t.code FROM practices_casestudy_terms ct JOIN practices_term t "
        f"ON t.id = ct.term_id WHERE ct.term_id IN ({_taxonomy('region')}) AND t.code IN ({codes})"
    )
    theatre = _theatre_case()
    return floor(
        actor,
        text,
        [
            f"SELECT {theatre}, count(DISTINCT r.casestudy_id) FROM ({regions}) r "
            "JOIN m ON m.id = r.casestudy_id GROUP BY 1",
            f"SELECT {theatre}, x.slug, t.code, t.label, count(DISTINCT c.id), "
            "min(c.incident_start) FROM m JOIN practices_casestudy c ON c.id = m.id "
            f"JOIN ({regions}) r ON r.casestudy_id = c.id "
            "JOIN practices_casestudy_terms ct ON ct.casestudy_id = c.id "
            "JOIN practices_term t ON t.id = ct.term_id "
            "JOIN practices_taxonomy x ON x.id = t.taxonomy_id "
            "WHERE x.slug IN ('disarm-red', 'theme', 'threat-actor') GROUP BY 1, 2, 3, 4",
            f"SELECT {theatre}, t.code, t.label, c.effectiveness, count(DISTINCT c.id) "
            "FROM m JOIN practices_casestudy c ON c.id = m.id "
            f"JOIN ({regions}) r ON r.casestudy_id = c.id "
            "JOIN practices_casestudy_terms ct ON ct.casestudy_id = c.id "
            f"JOIN practices_term t ON t.id = ct.term_id WHERE ct.term_id IN "
            f"({_taxonomy('disarm-blue')}) GROUP BY 1, 2, 3, 4",
            _CAPPED,
        ],
    )


def insights_floor(actor, text: str) -> Callable:
    """The insights page: cases by quarter, region, theme and effectiveness, the most frequent
    techniques with their counters, the most-adopted cases, the total."""
    scores = " ".join(f"WHEN '{e}' THEN {s}" for e, s in EFFECT_SCORES.items())

    def terms(slug: str) -> str:
        return (
            "SELECT t.code, t.label, count(*) FROM practices_casestudy_terms ct "
            "JOIN m ON m.id = ct.casestudy_id JOIN practices_term t ON t.id = ct.term_id "
            f"WHERE ct.term_id IN ({_taxonomy(slug)}) GROUP BY 1, 2 ORDER BY 3 DESC"
        )

    return floor(
        actor,
        text,
        [
            "SELECT extract(year FROM c.incident_start), extract(quarter FROM c.incident_start), "
            "count(*) FROM m JOIN practices_casestudy c ON c.id = m.id GROUP BY 1, 2",
            terms("region"),
            f"{terms('theme')} LIMIT {TOP}",
            "SELECT c.effectiveness, count(*) FROM m JOIN practices_casestudy c ON c.id = m.id "
            "GROUP BY 1",
            f"{terms('disarm-red')} LIMIT {TOP}",
            # The counters under the top techniques, found from the same case links.
            "SELECT r.term_id, b.term_id, count(*) FROM practices_casestudy_terms r "
            "JOIN m ON m.id = r.casestudy_id "
            "JOIN practices_casestudy_terms b ON b.casestudy_id = r.casestudy_id "
            f"WHERE r.term_id IN (SELECT ct.term_id FROM practices_casestudy_terms ct "
            f"JOIN m ON m.id = ct.casestudy_id WHERE ct.term_id IN ({_taxonomy('disarm-red')}) "
            f"GROUP BY 1 ORDER BY count(*) DESC LIMIT {TOP}) "
            f"AND b.term_id IN ({_taxonomy('disarm-blue')}) GROUP BY 1, 2",
            f"SELECT a.case_study_id, count(*), avg(CASE a.effect {scores} END), c.title, c.tlp "
            "FROM practices_adoption a JOIN m ON m.id = a.case_study_id "
            "JOIN practices_casestudy c ON c.id = a.case_study_id "
            "GROUP BY 1, 4, 5 ORDER BY 2 DESC, 3 DESC NULLS LAST, 1 LIMIT 10",
            _CAPPED,
        ],
    )


# --- Running -----------------------------------------------------------------------------------


def rebuilt(technique: str) -> None:
    """What the worker does after a change, in a cache the bench has just emptied: which
    subjects readers asked "what worked" about is kept in the cache too, so it is said again."""
    subject = Term.objects.get(taxonomy__slug="disarm-red", code=technique)
    shared.asked_record("worked", subject.pk)
    warming.aggregates_build()


PAGES = ("matrix", "blue", "worked", "theatres", "insights")


def measure_all(bench: Bench, pages: list[str], readers: list[str], freeze: bool) -> None:
    technique = frequent_technique()
    print(f"'what worked' asks about {technique}, the most frequent technique; search: {SEARCH!r}")
    header = f"{'measurement':<44} {'p50 ms':>9} {'p95 ms':>9} {'floor p50':>9} {'floor p95':>9}"
    print(f"{header} {'queries':>8}")
    urls = {
        "matrix": ("/matrix/", matrix_floor),
        "blue": ("/matrix/blue/", blue_floor),
        "worked": (
            f"/what-worked/disarm-red/{technique}/",
            lambda actor, text: what_worked_floor(actor, text, technique),
        ),
        "theatres": ("/insights/theatres/", theatres_floor),
        "insights": ("/insights/", insights_floor),
    }
    clients = {}
    for actor_name, actor in actors().items():
        if actor_name in readers:
            clients[actor_name] = Client()
            if actor is not None:
                clients[actor_name].force_login(actor)
    if freeze:
        # Once every page was served (templates compiled, catalogues and URLs loaded).
        for client in clients.values():
            for url, _floor in urls.values():
                for text in ("", SEARCH):
                    page(client, url, text)()
        gc.collect()
        gc.freeze()
    for actor_name, actor in actors().items():
        if actor_name not in readers:
            continue
        client = clients[actor_name]
        for name in pages:
            url, floor_of = urls[name]
            for text in ("", SEARCH):
                label = f"{name}, {'q=' + text if text else 'no filter'}, {actor_name}"
                # "first": the shared cache emptied before each request; "again": repeated.
                for kind, first in (("first", True), ("again", False)):
                    bench.measure(
                        f"{label}, {kind}",
                        [page(client, url, text)],
                        [floor_of(actor, text)] if first else None,
                        first=first,
                    )
                if not text:
                    # After a change, once the worker rebuilt the shared aggregates for it.
                    bench.measure(
                        f"{label}, after a change",
                        [page(client, url, text)],
                        first=True,
                        before=partial(rebuilt, technique),
                    )
    # What that worker does after each change, whoever reads.
    bench.measure("rebuild after a change (worker)", [warming.aggregates_build], first=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pages", default=",".join(PAGES), help=f"some of {','.join(PAGES)}")
    parser.add_argument("--actors", default="visitor,member,moderator")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once set up, as a server may after loading the app: a full garbage "
        "collection then skips the objects of start-up (about 150 ms each on the 2-core machine)",
    )
    options = parser.parse_args()

    refuse_unless_bench_database()
    call_command("migrate", verbosity=0)
    if not CaseStudy.objects.filter(audiences=MARK).exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed(options.cases)
    index_missing()
    seed_adoptions()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(
        f"database: {version}, cases: {CaseStudy.objects.count()}, "
        f"published: {CaseStudy.objects.published().count()}, "
        f"adoptions: {Adoption.objects.count()}, cores: {os.cpu_count()}, "
        f"repeat: {options.repeat}"
    )
    print(f"gc.freeze: {'yes' if options.gc_freeze else 'no'}")
    measure_all(
        Bench(options.repeat),
        options.pages.split(","),
        options.actors.split(","),
        options.gc_freeze,
    )


if __name__ == "__main__":
    main()
