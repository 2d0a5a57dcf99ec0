"""Search documents hold their case's TLP (filled, and put in the vector's GIN index, by
0024). A database default lets processes still running the previous version go on writing
documents during a rolling upgrade, as TLP unknown, which a visitor's search still reads."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0022_feed_times_strictly_increase"),
    ]

    operations = [
        migrations.AddField(
            model_name="casesearchdocument",
            name="tlp",
            field=models.CharField(blank=True, db_default="", editable=False, max_length=20),
        ),
    ]
