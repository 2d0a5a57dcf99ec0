"""Where Celery finds the app's tasks (``autodiscover_tasks`` imports ``practices.tasks``).

The tasks live in the room they belong to; each keeps its historical name
``practices.tasks.<name>``, so queued messages and the beat schedule stay valid.
"""

from __future__ import annotations

from practices.discovery.tasks import saved_search_alerts
from practices.insights.tasks import aggregates_refresh, aggregates_warm
from practices.moderation.tasks import (
    moderators_digest,
    moderators_notify,
    originator_notify,
    revision_notify,
)
from practices.sync.tasks import webhook_deliver, webhooks_sweep

__all__ = [
    "aggregates_refresh",
    "aggregates_warm",
    "moderators_digest",
    "moderators_notify",
    "originator_notify",
    "revision_notify",
    "saved_search_alerts",
    "webhook_deliver",
    "webhooks_sweep",
]
