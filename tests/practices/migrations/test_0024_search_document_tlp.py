"""Migrations 0023 and 0024: existing search documents get their case's TLP, which the vector's
GIN index holds too on PostgreSQL; a process still running the previous version can go on
writing documents while the upgrade rolls out; and 0024 can be run again after a failure."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("practices", "0022_feed_times_strictly_increase")]
AFTER = [("practices", "0024_search_document_tlp_index")]
INDEXING = importlib.import_module("practices.migrations.0024_search_document_tlp_index")


def _gin_columns() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'casesearch_vector_gin'")
        return cursor.fetchone()[0]


def _migrate(target) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor


def _documents_of_each_tlp(apps) -> dict[str, int]:
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
    return ids


@pytest.mark.django_db(transaction=True)
def test_existing_documents_get_their_cases_tlp():
    executor = _migrate(BEFORE)
    try:
        ids = _documents_of_each_tlp(executor.loader.project_state(BEFORE).apps)
        executor = _migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        documents = apps.get_model("practices", "CaseSearchDocument")
        tlps = dict(documents.objects.values_list("case_study_id", "tlp"))
        assert tlps == {pk: tlp for tlp, pk in ids.items()}
        if connection.vendor == "postgresql":
            assert "gin (vector, published_month, tlp)" in _gin_columns()
        # The previous version's code writes documents without a TLP: still accepted, as
        # unknown (which a visitor's search still reads).
        CaseStudy = apps.get_model("practices", "CaseStudy")
        later = CaseStudy.objects.create(
            organisation_id=CaseStudy.objects.get(pk=ids["clear"]).organisation_id,
            title="later",
            tlp="clear",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO practices_casesearchdocument (case_study_id, heading, body, detail) "
                "VALUES (%s, 'later', '', '')",
                [later.pk],
            )
        assert documents.objects.get(case_study_id=later.pk).tlp == ""

        _migrate(BEFORE)  # and back, on either database
        if connection.vendor == "postgresql":
            assert "gin (vector, published_month)" in _gin_columns()
            assert "tlp" not in _gin_columns()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stop", ["indexing", "building", "renaming"])
def test_the_index_migration_runs_again_after_failing_half_way(monkeypatch, stop):
    """A cancelled CREATE INDEX CONCURRENTLY, or a lost connection, leaves 0024 unrecorded:
    running migrate again finishes it."""
    executor = _migrate(BEFORE)
    try:
        ids = _documents_of_each_tlp(executor.loader.project_state(BEFORE).apps)
        _migrate([("practices", "0023_search_document_tlp")])
        with monkeypatch.context() as patch:
            execute = None

            def failing(schema_editor, columns):
                nonlocal execute
                execute = schema_editor.execute
                statements = {
                    "building": "CREATE INDEX CONCURRENTLY",
                    "renaming": "ALTER INDEX",  # after the old index was dropped
                }

                def stopping(sql, *args, **kwargs):
                    if stop in statements and sql.startswith(statements[stop]):
                        raise RuntimeError(f"stopped before {sql}")
                    return execute(sql, *args, **kwargs)

                schema_editor.execute = stopping
                original(schema_editor, columns)

            original = INDEXING._index
            if stop == "indexing":  # the TLPs written, one batch each, the index not begun
                patch.setattr(INDEXING, "BATCH", 1)
                patch.setattr(INDEXING, "_index", lambda *a: (_ for _ in ()).throw(RuntimeError))
            else:
                patch.setattr(INDEXING, "_index", failing)
            with pytest.raises(RuntimeError):
                _migrate(AFTER)
        executor = _migrate(AFTER)  # again, as an operator would
        documents = executor.loader.project_state(AFTER).apps.get_model(
            "practices", "CaseSearchDocument"
        )
        tlps = dict(documents.objects.values_list("case_study_id", "tlp"))
        assert tlps == {pk: tlp for tlp, pk in ids.items()}
        assert "gin (vector, published_month, tlp)" in _gin_columns()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'casesearch_vector%'")
            assert cursor.fetchone()[0] == 1  # no index left behind
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
