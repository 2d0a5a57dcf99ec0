"""Migration 0023: existing search documents get their case's TLP, which the vector's GIN
index holds too on PostgreSQL; a process still running the previous version can go on writing
documents while the upgrade rolls out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("practices", "0022_feed_times_strictly_increase")]
AFTER = [("practices", "0023_search_document_tlp")]


def _gin_columns() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'casesearch_vector_gin'")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_existing_documents_get_their_cases_tlp():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Organisation = apps.get_model("accounts", "Organisation")
        CaseStudy = apps.get_model("practices", "CaseStudy")
        CaseSearchDocument = apps.get_model("practices", "CaseSearchDocument")
        organisation = Organisation.objects.create(
            name="Old org", short_name="OO", slug="old-org", partner_group="nato_ally"
        )
        ids = {}
        for tlp in ("clear", "green", "amber"):
            case = CaseStudy.objects.create(organisation=organisation, title=tlp, tlp=tlp)
            CaseSearchDocument.objects.create(case_study=case, heading=tlp)
            ids[tlp] = case.pk

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        documents = executor.loader.project_state(AFTER).apps.get_model(
            "practices", "CaseSearchDocument"
        )
        tlps = dict(documents.objects.values_list("case_study_id", "tlp"))
        assert tlps == {pk: tlp for tlp, pk in ids.items()}
        if connection.vendor == "postgresql":
            assert "gin (vector, published_month, tlp)" in _gin_columns()
        # The previous version's code writes documents without a TLP: still accepted, as
        # unknown (which a visitor's search still reads).
        later = CaseStudy.objects.create(organisation=organisation, title="later", tlp="clear")
        CaseSearchDocument.objects.create(case_study=later, heading="later")
        assert documents.objects.get(case_study_id=later.pk).tlp == ""

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)  # and back, on either database
        if connection.vendor == "postgresql":
            assert "gin (vector, published_month)" in _gin_columns()
            assert "tlp" not in _gin_columns()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
