"""Migration 0022: the feed's counter starts from the latest entry's time, so the first entry
written after it is later than every entry before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("practices", "0021_casechange_created_at")]
AFTER = [("practices", "0022_feed_times_strictly_increase")]


@pytest.mark.django_db(transaction=True)
def test_the_counter_keeps_the_latest_entrys_time():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("accounts", "Organisation")
    CaseStudy = apps.get_model("practices", "CaseStudy")
    CaseChange = apps.get_model("practices", "CaseChange")
    FeedCounter = apps.get_model("practices", "FeedCounter")
    organisation = Organisation.objects.create(
        name="Old org", short_name="OO", slug="old-org", partner_group="nato_ally"
    )
    case = CaseStudy.objects.create(organisation=organisation, title="Old case")
    FeedCounter.objects.update_or_create(pk=1, defaults={"value": 2})
    latest = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)  # ahead of the clock
    for seq, at in ((1, datetime(2030, 1, 1, tzinfo=UTC)), (2, latest)):
        change = CaseChange.objects.create(
            seq=seq,
            case_uuid=case.uuid,
            case_study=case,
            organisation=organisation,
            status="draft",
            tlp="amber",
            public_to_all=False,
        )
        CaseChange.objects.filter(pk=change.pk).update(created_at=at)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    assert apps.get_model("practices", "FeedCounter").objects.get(pk=1).last_at == latest

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back, on either database
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
