"""Search documents hold their case's TLP, in the vector's GIN index too, so that a visitor's
search reads only CLEAR matches from the index (``practices.discovery.search``).

Written for a rolling upgrade on PostgreSQL: the column has a database default, so that
processes still running the previous version go on writing documents (as TLP unknown, which
a visitor's search still reads); the TLPs are written in batches, each its own transaction;
and the index is built beside the old one without blocking searches or writes (CREATE INDEX
CONCURRENTLY), then takes its name. On SQLite only the column and its values matter.
"""

from django.db import migrations, models
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
        batch = ids[start : start + BATCH]
        CaseSearchDocument.objects.filter(pk__in=batch).update(tlp=tlp)
    _index(schema_editor, "vector, published_month, tlp")


def tlps_unindex(apps, schema_editor):
    _index(schema_editor, "vector, published_month")


def _index(schema_editor, columns: str) -> None:
    """The vector's GIN index over ``columns``, built beside the old one, then renamed."""
    if schema_editor.connection.vendor != "postgresql":
        return
    building = f"{INDEX}_next"
    # A build that failed half-way leaves an invalid index behind: start again.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY {building} ON {TABLE} USING gin ({columns})")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER INDEX {building} RENAME TO {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # each batch its own transaction; CONCURRENTLY needs none around it

    dependencies = [
        ("practices", "0022_feed_times_strictly_increase"),
    ]

    operations = [
        migrations.AddField(
            model_name="casesearchdocument",
            name="tlp",
            field=models.CharField(blank=True, db_default="", editable=False, max_length=20),
        ),
        migrations.RunPython(tlps_fill, tlps_unindex),
    ]
