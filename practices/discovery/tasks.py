"""Background jobs of discovery: saved-search alerts (Celery beat, one entry per frequency).

Thin: the work is in ``practices.discovery.alerts``. The name is fixed
(``practices.tasks.saved_search_alerts``) like the app's other tasks.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from practices.discovery import alerts


@shared_task(
    name="practices.tasks.saved_search_alerts",
    bind=True,
    max_retries=3,
    default_retry_delay=60,
    acks_late=True,
)
def saved_search_alerts(self, frequency: str, until: str | None = None) -> int:
    """Queue this frequency's alerts (one mail per person); returns how many were queued.

    A run handles a bounded batch of people and hands the rest, with the same cut-off, to a
    follow-up run; it is idempotent because each person's marks move with their mail.
    """
    cutoff = datetime.fromisoformat(until) if until else timezone.now() - alerts.ALERT_LAG
    sent, more = alerts.saved_search_alerts_run(frequency=frequency, until=cutoff)
    if more:
        self.apply_async(args=[frequency, cutoff.isoformat()])
    return sent
