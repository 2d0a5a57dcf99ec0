"""Search documents get their case's TLP, and the vector's GIN index holds it, so that a
visitor's search reads only CLEAR matches from the index (``practices.discovery.search``).

Written for a rolling upgrade on PostgreSQL, and to be run again after a failure: the TLPs are
written in batches, each its own transaction; the index is built beside the old one without
blocking searches or writes (CREATE INDEX CONCURRENTLY), then takes its name. On SQLite only
the values matter.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

TABLE = "practices_casesearchdocument"
INDEX = "casesearch_vector_gin"
BATCH = 5000


def tlps_fill(apps, schema_editor):
    CaseStudy = apps.get_model("practices", "CaseStudy")
    CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
    ids = list(CaseSearchDocument.objects.order_by("pk").values_list("pk", flat=True))
    tlp = Subquery(CaseStudy.objects.filter(pk=OuterRef("case_study_id")).values("tlp")[:1])
    for start in range(0, len(ids), BATCH):
        CaseSearchDocument.objects.filter(pk__in=ids[start : start + BATCH]).update(tlp=tlp)
    _index(schema_editor, "vector, published_month, tlp")


def tlps_unindex(apps, schema_editor):
    _index(schema_editor, "vector, published_month")


def _valid(schema_editor, name: str) -> bool | None:
    """Whether index ``name`` is usable; None when there is none."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _index(schema_editor, columns: str) -> None:
    """The vector's GIN index over ``columns``, built beside the old one, then renamed; a run
    that failed half-way is taken up where it stopped."""
    if schema_editor.connection.vendor != "postgresql":
        return
    building = f"{INDEX}_next"
    if _valid(schema_editor, INDEX) is None and _valid(schema_editor, building):
        # The old index was dropped and the new one not yet renamed: only the name is left.
        schema_editor.execute(f"ALTER INDEX {building} RENAME TO {INDEX}")
        return
    # A build that failed half-way leaves an invalid index behind: start it again.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY {building} ON {TABLE} USING gin ({columns})")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER INDEX {building} RENAME TO {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # each batch its own transaction; CONCURRENTLY needs none around it

    dependencies = [
        ("practices", "0023_search_document_tlp"),
    ]

    operations = [
        migrations.RunPython(tlps_fill, tlps_unindex),
    ]
