"""An index on the change feed's ``created_at``: TAXII's ``added_after`` finds its place in
the feed by time (``interop.selectors.seq_after``) in a few pages however long the feed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitation_language_and_labels"),
        ("practices", "0020_search_published_month"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="casechange",
            index=models.Index(fields=["created_at", "seq"], name="practices_c_created_e52e89_idx"),
        ),
    ]
