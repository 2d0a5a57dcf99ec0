"""Floors for bench/api.py: the API's content written by hand in one PostgreSQL query.

Each floor returns what the API returns for the same request — the case columns, the
originator (or only its region when anonymised), tags and keywords, recipients for the
originator, references, attachments with their download links, the DISARM attribution and the
adoptions — built by ``json_build_object`` and ``json_agg`` in the database and joined into
one JSON text in Python. Nothing is cached and nothing goes through Django, so the API should
not beat it; a floor that returns less than the API would flatter the API's ratio.

Written for a reader that is a member organisation (the bench token's): the visibility rule is
the DESIGN.md table for members, anonymisation and recipients follow the same organisation.
Timestamps come out as PostgreSQL writes them in JSON, not as DRF formats them: the same
content, not the same bytes.
"""

from __future__ import annotations

from django.db import connection

from practices.vocabularies.loaders import DISARM_ATTRIBUTION

_VISIBLE = """(
    (c.status = 'published' AND c.tlp IN ('clear', 'green'))
    OR c.organisation_id = %(org)s
    OR (c.status = 'published' AND c.tlp IN ('amber', 'amber_strict') AND EXISTS (
        SELECT 1 FROM practices_casestudy_recipients cr
        WHERE cr.casestudy_id = c.id AND cr.organisation_id = %(org)s))
)"""

_ORGANISATION = """CASE WHEN {named} THEN json_build_object(
    'anonymised', false, 'name', {o}.name, 'short_name', {o}.short_name, 'slug', {o}.slug,
    'country', NULLIF({o}.country, ''), 'region', {o}.region)
ELSE json_build_object(
    'anonymised', true, 'name', NULL, 'short_name', NULL, 'slug', NULL, 'country', NULL,
    'region', {o}.region) END"""

_TERMS = """SELECT {select} FROM practices_casestudy_terms ct
    JOIN practices_term t ON t.id = ct.term_id
    JOIN practices_taxonomy x ON x.id = t.taxonomy_id
    WHERE ct.casestudy_id = c.id AND {where}"""

_ORIGINATOR = _ORGANISATION.format(
    named="c.attribution_mode = 'named' OR c.organisation_id = %(org)s", o="o"
)
_ADOPTER = _ORGANISATION.format(
    named="ad.attribution_mode = 'named' OR ad.organisation_id = %(org)s", o="ao"
)
_TAGS = _TERMS.format(
    select="json_agg(json_build_object('taxonomy', x.slug, 'code', t.code, 'label', t.label)"
    " ORDER BY x.position, t.position, t.code)",
    where="x.slug <> 'keyword'",
)
_KEYWORDS = _TERMS.format(
    select="json_agg(t.label ORDER BY t.position, t.code)", where="x.slug = 'keyword'"
)
_DISARM = _TERMS.format(select="1", where="x.slug LIKE 'disarm%%'")

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
    'tags', COALESCE(({_TAGS}), '[]'),
    'keywords', COALESCE(({_KEYWORDS}), '[]'),
    'recipients', CASE WHEN c.organisation_id = %(org)s THEN COALESCE((
        SELECT json_agg(r.slug ORDER BY r.name) FROM practices_casestudy_recipients cr
        JOIN accounts_organisation r ON r.id = cr.organisation_id
        WHERE cr.casestudy_id = c.id), '[]') END,
    'references', COALESCE((
        SELECT json_agg(json_build_object('url', r.url, 'title', r.title,
            'archive_url', r.archive_url) ORDER BY r.position, r.id)
        FROM practices_reference r WHERE r.case_study_id = c.id), '[]'),
    'attachments', COALESCE((
        SELECT json_agg(json_build_object('uuid', a.uuid, 'filename', a.filename,
            'content_type', a.content_type, 'size', a.size, 'sha256', a.sha256,
            'download_url', %(case_url)s || c.uuid || '/attachments/' || a.uuid || '/')
            ORDER BY a.uploaded_at, a.id)
        FROM practices_attachment a WHERE a.case_study_id = c.id), '[]'),
    'created_at', c.created_at, 'updated_at', c.updated_at,
    'submitted_at', c.submitted_at, 'published_at', c.published_at,
    'attribution', CASE WHEN EXISTS ({_DISARM}) THEN %(attribution)s END,
    'adoptions', COALESCE((
        SELECT json_agg(json_build_object(
            'uuid', ad.uuid, 'adopter', {_ADOPTER},
            'attribution_mode', ad.attribution_mode, 'applied_on', ad.applied_on,
            'where', ad."where", 'adaptation', ad.adaptation, 'effect', ad.effect,
            'evidence', ad.evidence, 'version', ad.version,
            'created_at', ad.created_at, 'updated_at', ad.updated_at)
            ORDER BY ad.applied_on DESC, ad.created_at DESC, ad.id DESC)
        FROM practices_adoption ad JOIN accounts_organisation ao ON ao.id = ad.organisation_id
        WHERE ad.case_study_id = c.id), '[]')
)::text"""


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
        f"SELECT {CASE_JSON} FROM ({_NEWEST}) n JOIN practices_casestudy c ON c.id = n.id "
        "JOIN accounts_organisation o ON o.id = c.organisation_id "
        "ORDER BY n.created_at DESC, n.id DESC",
        _params(organisation_id, case_url, limit=limit),
    )


def detail(organisation_id: int, case_url: str, case_uuid) -> str:
    return _joined(
        f"SELECT {CASE_JSON} FROM practices_casestudy c "
        "JOIN accounts_organisation o ON o.id = c.organisation_id "
        f"WHERE c.uuid = %(uuid)s AND {_VISIBLE}",
        _params(organisation_id, case_url, uuid=case_uuid),
    )


def feed_page(organisation_id: int, case_url: str, after: int, limit: int | None) -> str:
    """Entries after ``after`` in sequence order, each with its case when readable now (else
    a tombstone); ``limit`` None reads them all (the replay's floor)."""
    entry = (
        "json_build_object('type', 'case', 'seq', f.seq, 'uuid', f.case_uuid, "
        "'deleted', c.id IS NULL, "
        f"'case', CASE WHEN c.id IS NOT NULL THEN ({CASE_JSON})::json END)::text"
    )
    return _joined(
        f"SELECT {entry} FROM practices_casechange f "
        "LEFT JOIN practices_casestudy c ON c.id = f.case_study_id "
        f"AND {_VISIBLE} LEFT JOIN accounts_organisation o ON o.id = c.organisation_id "
        "WHERE f.seq > %(after)s ORDER BY f.seq LIMIT %(limit)s",
        _params(organisation_id, case_url, after=after, limit=limit),
    )


def supported() -> bool:
    return connection.vendor == "postgresql"
