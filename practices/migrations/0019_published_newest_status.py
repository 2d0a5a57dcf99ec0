"""``case_study_published_newest`` also holds the status, so that a member's search or browse
walks it without reading the table (see the index's comment in ``CaseStudy.Meta``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0018_homes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="casestudy",
            name="case_study_published_newest",
        ),
        migrations.AddIndex(
            model_name="casestudy",
            index=models.Index(
                models.OrderBy(models.F("published_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("status", "published")),
                include=("tlp", "organisation", "status"),
                name="case_study_published_newest",
            ),
        ),
    ]
