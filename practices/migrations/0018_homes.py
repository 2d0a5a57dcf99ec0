# Translated names for the models the audit trail names (its pages show verbose names).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0017_access_requests"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="attachment",
            options={
                "ordering": ["uploaded_at", "id"],
                "verbose_name": "attachment",
                "verbose_name_plural": "attachments",
            },
        ),
        migrations.AlterModelOptions(
            name="caselink",
            options={
                "ordering": ["created_at", "pk"],
                "verbose_name": "case link",
                "verbose_name_plural": "case links",
            },
        ),
        migrations.AlterModelOptions(
            name="casestudy",
            options={
                "ordering": ["-updated_at", "-id"],
                "verbose_name": "case study",
                "verbose_name_plural": "case studies",
            },
        ),
        migrations.AlterModelOptions(
            name="term",
            options={
                "ordering": ["taxonomy__position", "position", "code"],
                "verbose_name": "term",
                "verbose_name_plural": "terms",
            },
        ),
        migrations.AlterModelOptions(
            name="webhookendpoint",
            options={
                "ordering": ["created_at", "id"],
                "verbose_name": "webhook endpoint",
                "verbose_name_plural": "webhook endpoints",
            },
        ),
    ]
