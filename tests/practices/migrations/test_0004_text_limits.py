"""Migration 0004: stored text gets \\n line endings and fits the new limits before the
constraints are added, so it runs on a database that already holds such text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("practices", "0003_webhooks"), ("accounts", "0002_api_tokens_and_feed")]
AFTER = [("practices", "0004_text_limits")]


@pytest.mark.django_db(transaction=True)
def test_existing_text_is_normalised_and_cut_to_fit():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("accounts", "Organisation")
    CaseStudy = apps.get_model("practices", "CaseStudy")
    ModerationEvent = apps.get_model("practices", "ModerationEvent")
    organisation = Organisation.objects.create(
        name="Old org", short_name="OO", slug="old-org", partner_group="nato_ally"
    )
    case = CaseStudy.objects.create(
        organisation=organisation,
        title="Old",
        summary="One.\r\nTwo.\rThree.",
        lessons="x" * 1_000_000,
    )
    ModerationEvent.objects.create(case_study=case, comment="c" * 6_000)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    case = apps.get_model("practices", "CaseStudy").objects.get(pk=case.pk)
    event = apps.get_model("practices", "ModerationEvent").objects.get(case_study_id=case.pk)

    assert case.summary == "One.\nTwo.\nThree."
    assert case.lessons == "x" * 50_000
    assert event.comment == "c" * 5_000

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
