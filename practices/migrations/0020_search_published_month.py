"""Search documents hold the month their case was published, in the vector's GIN index too
(btree_gin), so that a common search reads only its newest matches
(``practices.discovery.window``)."""

from datetime import UTC

from django.db import migrations, models
from django.db.models import Q

TABLE = "practices_casesearchdocument"


def months_fill(apps, schema_editor):
    """Each existing document's month, as ``window.document_month`` writes it (UTC)."""
    CaseStudy = apps.get_model("practices", "CaseStudy")
    CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
    by_month: dict[int, list[int]] = {}
    cases = CaseStudy.objects.filter(Q(published_at__isnull=False) | Q(status="published"))
    for pk, moment in cases.values_list("pk", "published_at").iterator():
        if moment is None:  # published without a publication time: window.UNDATED
            by_month.setdefault(2**31 - 1, []).append(pk)
            continue
        moment = moment.astimezone(UTC)
        by_month.setdefault(moment.year * 12 + moment.month - 1, []).append(pk)
    for month, ids in by_month.items():
        for start in range(0, len(ids), 500):
            CaseSearchDocument.objects.filter(case_study_id__in=ids[start : start + 500]).update(
                published_month=month
            )
    if schema_editor.connection.vendor == "postgresql":
        # Created here rather than by BtreeGinExtension, which asks PostgreSQL on the way back
        # even on SQLite; and kept on the way back, as pg_trgm is, since it may serve others.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        schema_editor.execute("DROP INDEX IF EXISTS casesearch_vector_gin")
        schema_editor.execute(
            f"CREATE INDEX casesearch_vector_gin ON {TABLE} USING gin (vector, published_month)"
        )


def months_unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS casesearch_vector_gin")
        schema_editor.execute(f"CREATE INDEX casesearch_vector_gin ON {TABLE} USING gin (vector)")


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0019_published_newest_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="casesearchdocument",
            name="published_month",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(months_fill, months_unindex),
    ]
