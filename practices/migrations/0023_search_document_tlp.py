"""Search documents hold their case's TLP, in the vector's GIN index too, so that a visitor's
search reads only CLEAR matches from the index (``practices.discovery.search``)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

TABLE = "practices_casesearchdocument"


def tlps_fill(apps, schema_editor):
    CaseStudy = apps.get_model("practices", "CaseStudy")
    CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
    CaseSearchDocument.objects.update(
        tlp=Subquery(CaseStudy.objects.filter(pk=OuterRef("case_study_id")).values("tlp")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS casesearch_vector_gin")
        schema_editor.execute(
            f"CREATE INDEX casesearch_vector_gin ON {TABLE} "
            "USING gin (vector, published_month, tlp)"
        )


def tlps_unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS casesearch_vector_gin")
        schema_editor.execute(
            f"CREATE INDEX casesearch_vector_gin ON {TABLE} USING gin (vector, published_month)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0022_feed_times_strictly_increase"),
    ]

    operations = [
        migrations.AddField(
            model_name="casesearchdocument",
            name="tlp",
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.RunPython(tlps_fill, tlps_unindex),
    ]
