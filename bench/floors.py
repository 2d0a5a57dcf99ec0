"""Floors for bench/api.py: the API's content written by hand in one PostgreSQL query.

Each floor returns what the API returns for the same request — the case columns, the
originator (or only its region when anonymised), tags and keywords, recipients for the
originator, references, attachments with their download links, the DISARM attribution and the
adoptions — built by ``json_build_object`` and ``json_agg`` in the database and joined into
one JSON text in Python. Nothing is cached and nothing goes through Django, so the API should
not beat it; a floor that returns less than the API would flatter the API's ratio.

The list and the detail read each relation of their cases through a ``LATERAL`` subquery per
case (an index lookup each); a feed page first picks its readable cases (the ``picked`` CTE),
then aggregates each relation *once* for all of them, grouped by case id, and joins the
aggregates back — as the API reads each relation once per page with ``id = ANY(…)``. (The
first form of the feed's floor, correlated subqueries per entry behind a ``LEFT JOIN`` on the
visibility rule, took 350 ms a page at 100 000 cases: slower than the API, a broken floor.)
``bench/api.py --check`` compares each floor with the API's output, field by field.

Written for a reader that is a member organisation (the bench token's): the visibility rule is
the DESIGN.md table for members, anonymisation and recipients follow the same organisation, and
the feed applies the API's rules — entries folded to the last one per case in the page, a case
readable now rendered, a case readable at an earlier entry a tombstone, any other left out.
Timestamps come out as PostgreSQL writes them in JSON, not as DRF formats them: the same
content, not the same bytes. A feed entry of a collection (one in the demo data) carries the
collection's own columns only: its Markdown is rendered in Python.
"""

from __future__ import annotations

from django.db import connection

from practices.vocabularies.loaders import DISARM_ATTRIBUTION


def _visible(c: str) -> str:
    return f"""(
    ({c}.status = 'published' AND {c}.tlp IN ('clear', 'green'))
    OR {c}.organisation_id = %(org)s
    OR ({c}.status = 'published' AND {c}.tlp IN ('amber', 'amber_strict') AND EXISTS (
        SELECT 1 FROM practices_casestudy_recipients vr
        WHERE vr.casestudy_id = {c}.id AND vr.organisation_id = %(org)s))
)"""


_ORGANISATION = """CASE WHEN {named} THEN json_build_object(
    'anonymised', false, 'name', {o}.name, 'short_name', {o}.short_name, 'slug', {o}.slug,
    'country', NULLIF({o}.country, ''), 'region', {o}.region)
ELSE json_build_object(
    'anonymised', true, 'name', NULL, 'short_name', NULL, 'slug', NULL, 'country', NULL,
    'region', {o}.region) END"""

_ORIGINATOR = _ORGANISATION.format(
    named="c.attribution_mode = 'named' OR c.organisation_id = %(org)s", o="o"
)
_ADOPTER = _ORGANISATION.format(
    named="ad.attribution_mode = 'named' OR ad.organisation_id = %(org)s", o="ao"
)

# Each relation of a case: (alias, key column, aggregates, FROM, extra condition), where
# ``{case}`` is the case row (for its uuid or organisation). _grouped() aggregates a relation
# once for all the picked cases, grouped by case id; _lateral() for one case ``c``.
_RELATIONS = (
    (
        "tm",
        "ct.casestudy_id",
        """json_agg(json_build_object('taxonomy', x.slug, 'code', t.code, 'label', t.label)
            ORDER BY x.position, t.position, t.code) FILTER (WHERE x.slug <> 'keyword') AS tags,
        json_agg(t.label ORDER BY t.position, t.code) FILTER (WHERE x.slug = 'keyword')
            AS keywords,
        bool_or(x.slug LIKE 'disarm%%') AS disarm""",
        """practices_casestudy_terms ct JOIN practices_term t ON t.id = ct.term_id
        JOIN practices_taxonomy x ON x.id = t.taxonomy_id""",
        "",
    ),
    (
        "rc",
        "cr.casestudy_id",
        "json_agg(r.slug ORDER BY r.name) AS slugs",
        """practices_casestudy_recipients cr
        JOIN accounts_organisation r ON r.id = cr.organisation_id""",
        "{case}.organisation_id = %(org)s",  # only the originator is shown them
    ),
    (
        "rf",
        "r.case_study_id",
        """json_agg(json_build_object('url', r.url, 'title', r.title,
            'archive_url', r.archive_url) ORDER BY r.position, r.id) AS refs""",
        "practices_reference r",
        "",
    ),
    (
        "fl",
        "a.case_study_id",
        """json_agg(json_build_object('uuid', a.uuid, 'filename', a.filename,
            'content_type', a.content_type, 'size', a.size, 'sha256', a.sha256,
            'download_url', %(case_url)s || {case}.uuid || '/attachments/' || a.uuid || '/')
            ORDER BY a.uploaded_at, a.id) AS files""",
        "practices_attachment a",
        "",
    ),
    (
        "ad",
        "ad.case_study_id",
        """json_agg(json_build_object(
            'uuid', ad.uuid, 'adopter', """
        + _ADOPTER
        + """,
            'attribution_mode', ad.attribution_mode, 'applied_on', ad.applied_on,
            'where', ad."where", 'adaptation', ad.adaptation, 'effect', ad.effect,
            'evidence', ad.evidence, 'version', ad.version,
            'created_at', ad.created_at, 'updated_at', ad.updated_at)
            ORDER BY ad.applied_on DESC, ad.created_at DESC, ad.id DESC) AS adoptions""",
        "practices_adoption ad JOIN accounts_organisation ao ON ao.id = ad.organisation_id",
        "",
    ),
)


def _grouped() -> tuple[str, str]:
    """CTEs aggregating each relation once for the ``picked`` cases (MATERIALIZED: with a low
    estimate of the picked rows, PostgreSQL otherwise re-ran an aggregate per case), and the
    joins that bring them to ``c``."""
    ctes, joins = [], []
    for alias, key, aggregates, source, only in _RELATIONS:
        where = f"WHERE {only.format(case='p')}" if only else ""
        ctes.append(
            f"{alias} AS MATERIALIZED (SELECT {key} AS id, {aggregates.format(case='p')} "
            f"FROM {source} JOIN picked p ON p.id = {key} {where} GROUP BY {key})"
        )
        joins.append(f"LEFT JOIN {alias} ON {alias}.id = c.id")
    return ", ".join(ctes), " ".join(joins)


def _lateral() -> str:
    """Each relation of each case ``c``, by index: for one case or a list page (50), quicker
    than the CTEs (less to plan); for a feed page (500), slower."""
    joins = []
    for alias, key, aggregates, source, only in _RELATIONS:
        where = f"{key} = c.id" + (f" AND {only.format(case='c')}" if only else "")
        joins.append(
            f"LEFT JOIN LATERAL (SELECT {aggregates.format(case='c')} FROM {source} "
            f"WHERE {where}) {alias} ON true"
        )
    return " ".join(joins)


# ``c`` a case, the relations joined under their aliases.
CASE_JSON = f"""json_build_object(
    'uuid', c.uuid, 'url', %(case_url)s || c.uuid || '/', 'version', c.version,
    'status', c.status, 'tlp', c.tlp, 'attribution_mode', c.attribution_mode,
    'originator', {_ORIGINATOR},
    'title', c.title, 'summary', c.summary, 'language', c.language,
    'summary_translation', c.summary_translation,
    'summary_translation_language', c.summary_translation_language,
    'incident', c.incident, 'attribution_confidence', c.attribution_confidence,
    'audiences', c.audiences, 'incident_start', c.incident_start,
    'incident_end', c.incident_end, 'response', c.response, 'responders', c.responders,
    'response_start', c.response_start, 'response_end', c.response_end,
    'resources', c.resources, 'outcome', c.outcome, 'effectiveness', c.effectiveness,
    'evidence', c.evidence, 'lessons', c.lessons, 'recommendations', c.recommendations,
    'tags', COALESCE(tm.tags, '[]'), 'keywords', COALESCE(tm.keywords, '[]'),
    'recipients', CASE WHEN c.organisation_id = %(org)s THEN COALESCE(rc.slugs, '[]') END,
    'references', COALESCE(rf.refs, '[]'), 'attachments', COALESCE(fl.files, '[]'),
    'created_at', c.created_at, 'updated_at', c.updated_at,
    'submitted_at', c.submitted_at, 'published_at', c.published_at,
    'attribution', CASE WHEN tm.disarm THEN %(attribution)s END,
    'adoptions', COALESCE(ad.adoptions, '[]')
)"""


def _params(organisation_id: int, case_url: str, **extra) -> dict:
    return {
        "org": organisation_id,
        "case_url": case_url,
        "attribution": DISARM_ATTRIBUTION,
        **extra,
    }


def _joined(query: str, params: dict) -> str:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return "[" + ",".join(row[0] for row in cursor.fetchall()) + "]"


_ORIGINATOR_JOIN = "JOIN accounts_organisation o ON o.id = c.organisation_id"


# The newest visible cases, written so that each LIMIT stops early along the
# (created_at, id) indexes: the shared published ones, the reader's own, and the AMBER ones
# that name the reader, each its newest ``limit``, then the newest ``limit`` of those.
_NEWEST = """SELECT id, created_at FROM (
    (SELECT c.id, c.created_at FROM practices_casestudy c
        WHERE c.status = 'published' AND c.tlp IN ('clear', 'green')
        ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s)
    UNION
    (SELECT c.id, c.created_at FROM practices_casestudy c WHERE c.organisation_id = %(org)s
        ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s)
    UNION
    (SELECT c.id, c.created_at FROM practices_casestudy c
        JOIN practices_casestudy_recipients cr
            ON cr.casestudy_id = c.id AND cr.organisation_id = %(org)s
        WHERE c.status = 'published' AND c.tlp IN ('amber', 'amber_strict')
        ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s)
) visible ORDER BY created_at DESC, id DESC LIMIT %(limit)s"""


def list_page(organisation_id: int, case_url: str, limit: int) -> str:
    return _joined(
        f"SELECT {CASE_JSON}::text FROM ({_NEWEST}) n "
        f"JOIN practices_casestudy c ON c.id = n.id {_ORIGINATOR_JOIN} {_lateral()} "
        "ORDER BY n.created_at DESC, n.id DESC",
        _params(organisation_id, case_url, limit=limit),
    )


def detail(organisation_id: int, case_url: str, case_uuid) -> str:
    return _joined(
        f"SELECT {CASE_JSON}::text FROM practices_casestudy c {_ORIGINATOR_JOIN} {_lateral()} "
        f"WHERE c.uuid = %(uuid)s AND {_visible('c')}",
        _params(organisation_id, case_url, uuid=case_uuid),
    )


COLLECTION_COLUMNS = (
    "uuid", "version", "status", "tlp", "title", "synthesis", "created_at", "updated_at",
    "published_at",
)  # fmt: skip
_COLLECTION = ", ".join(f"'{name}', k.{name}" for name in COLLECTION_COLUMNS)

# A feed page: its entries, folded to the last one per case (or collection), the cases of
# those readable now; a case entry without one is a tombstone if the reader could read the
# case at an earlier entry (the audience snapshot), else left out.
_FEED = f"""WITH entries AS MATERIALIZED (
    SELECT f.seq, f.kind, f.case_uuid, f.case_study_id, f.collection_id, f.collection_uuid,
        f.collection_case_id
    FROM practices_casechange f WHERE f.seq > %(after)s ORDER BY f.seq LIMIT %(limit)s),
folded AS MATERIALIZED (
    SELECT DISTINCT ON (COALESCE(e.case_uuid, e.collection_uuid)) e.*
    FROM entries e ORDER BY COALESCE(e.case_uuid, e.collection_uuid), e.seq DESC),
picked AS MATERIALIZED (
    SELECT c.* FROM practices_casestudy c
    WHERE c.id IN (SELECT case_study_id FROM entries) AND {_visible("c")}),
{_grouped()[0]}
SELECT CASE WHEN e.kind = 'case' THEN json_build_object('type', 'case', 'seq', e.seq,
    'uuid', e.case_uuid, 'deleted', c.id IS NULL,
    'case', CASE WHEN c.id IS NOT NULL THEN {CASE_JSON} END)
ELSE json_build_object('type', 'collection', 'seq', e.seq, 'uuid', e.collection_uuid,
    'deleted', k.id IS NULL, 'case', NULL,
    'collection', CASE WHEN k.id IS NOT NULL THEN json_build_object({_COLLECTION}) END)
END::text
FROM folded e
LEFT JOIN picked c ON e.kind = 'case' AND c.id = e.case_study_id
LEFT JOIN practices_collection k ON e.kind = 'collection' AND k.id = e.collection_id
    AND k.status = 'published'
LEFT JOIN accounts_organisation o ON o.id = c.organisation_id
{_grouped()[1]}
WHERE c.id IS NOT NULL OR (e.kind = 'case' AND EXISTS (
    SELECT 1 FROM practices_casechange g
    WHERE g.case_uuid = e.case_uuid AND g.seq <= (SELECT max(seq) FROM entries)
        AND (g.public_to_all OR g.organisation_id = %(org)s OR EXISTS (
            SELECT 1 FROM practices_casechange_audience ga
            WHERE ga.casechange_id = g.id AND ga.organisation_id = %(org)s))))
    OR (e.kind = 'collection' AND (k.id IS NOT NULL OR EXISTS (
        SELECT 1 FROM practices_casechange g WHERE g.collection_uuid = e.collection_uuid
            AND g.seq <= (SELECT max(seq) FROM entries) AND g.public_to_all)))
ORDER BY e.seq"""


def feed_page(organisation_id: int, case_url: str, after: int, limit: int) -> str:
    """The entries after ``after`` as the API shows them, in sequence order."""
    return _joined(_FEED, _params(organisation_id, case_url, after=after, limit=limit))


def replay(organisation_id: int, case_url: str, limit: int) -> int:
    """Every page of the feed, as a consumer reads it; returns the number of pages.

    Page by page, as the API is read, so that the floor's memory stays that of one page: in
    one query the 100 000-case feed was 350 MB of JSON, sorted on disk. Each page starts after
    the last entry of the one before (an index lookup: ``--cleanup`` leaves gaps)."""
    pages, after = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(seq) FROM (SELECT seq FROM practices_casechange WHERE seq > %s "
                "ORDER BY seq LIMIT %s) page",
                [after, limit],
            )
            last = cursor.fetchone()[0]
        if last is None:
            return pages
        feed_page(organisation_id, case_url, after, limit)
        pages, after = pages + 1, last


def supported() -> bool:
    return connection.vendor == "postgresql"
