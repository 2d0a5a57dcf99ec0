"""Migration 0020: existing search documents get their case's publication month (UTC), a
published case without a publication time the month within every window, and the vector's
GIN index holds the month on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from practices.discovery.window import UNDATED, month_number

BEFORE = [("practices", "0019_published_newest_status")]
AFTER = [("practices", "0020_search_published_month")]


@pytest.mark.django_db(transaction=True)
def test_existing_documents_get_their_publication_month():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("accounts", "Organisation")
    CaseStudy = apps.get_model("practices", "CaseStudy")
    CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
    organisation = Organisation.objects.create(
        name="Old org", short_name="OO", slug="old-org", partner_group="nato_ally"
    )
    # Late on 31 January in New York is February in UTC.
    published_at = datetime(2025, 2, 1, 3, 30, tzinfo=UTC)
    cases = {
        "published": {"status": "published", "published_at": published_at},
        "withdrawn": {"status": "withdrawn", "published_at": published_at},
        "draft": {"status": "draft", "published_at": None},
        "undated": {"status": "published", "published_at": None},
    }
    ids = {}
    for name, fields in cases.items():
        case = CaseStudy.objects.create(organisation=organisation, title=name, **fields)
        CaseSearchDocument.objects.create(case_study=case, heading=name)
        ids[name] = case.pk

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
    months = dict(CaseSearchDocument.objects.values_list("case_study_id", "published_month"))
    assert months[ids["published"]] == month_number(published_at) == 2025 * 12 + 1
    assert months[ids["withdrawn"]] == month_number(published_at)
    assert months[ids["draft"]] is None
    assert months[ids["undated"]] == UNDATED
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'casesearch_vector_gin'"
            )
            assert "gin (vector, published_month)" in cursor.fetchone()[0]

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back, on either database
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
