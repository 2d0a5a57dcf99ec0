"""Celery task names are part of the deployment: queued messages and the beat schedule name
them, so moving code between modules must not rename them."""

from __future__ import annotations

from django.conf import settings

from portal.celery import app

TASK_NAMES = {
    "practices.tasks.moderators_notify",
    "practices.tasks.originator_notify",
    "practices.tasks.revision_notify",
    "practices.tasks.moderators_digest",
    "practices.tasks.webhook_deliver",
    "practices.tasks.webhooks_sweep",
    "practices.tasks.aggregates_warm",
    "practices.tasks.aggregates_refresh",
}


def test_every_task_keeps_its_registered_name():
    app.loader.import_default_modules()
    assert set(app.tasks) >= TASK_NAMES


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
