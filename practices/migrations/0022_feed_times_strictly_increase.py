"""Each change-feed entry's time is handed out with its number, later than every earlier
entry's (``practices.sync.feed._next_seq``): the counter keeps the last one, starting from the
latest entry already written."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Max


def last_time_kept(apps, schema_editor):
    CaseChange = apps.get_model("practices", "CaseChange")
    FeedCounter = apps.get_model("practices", "FeedCounter")
    latest = CaseChange.objects.aggregate(latest=Max("created_at"))["latest"]
    FeedCounter.objects.filter(pk=1).update(last_at=latest)


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0021_casechange_created_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedcounter",
            name="last_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="casechange",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(last_time_kept, migrations.RunPython.noop),
    ]
