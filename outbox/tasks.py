"""Background jobs of the outbox. Thin: they take primary keys and call the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from outbox import services


@shared_task(name="outbox.tasks.email_send", bind=True, max_retries=None, acks_late=True)
def email_send(self, email_pk: int) -> str:
    """One attempt at sending a stored message; on failure, schedule the next with back-off.

    The attempt count and the next attempt's time live on the message, so retries scheduled
    here and re-enqueues by ``emails_sweep`` share one budget, and a duplicate run finds
    nothing to claim. Eagerly (no broker) nothing is scheduled: the sweeper retries.
    """
    outcome = services.email_send(email_pk=email_pk)
    if outcome.retry_in is not None:
        self.retry(countdown=outcome.retry_in, max_retries=settings.EMAIL_MAX_ATTEMPTS, throw=False)
    return outcome.status


@shared_task(name="outbox.tasks.emails_sweep", bind=True, max_retries=0, acks_late=True)
def emails_sweep(self) -> int:
    """Every minute: enqueue pending messages that are due (lost enqueues after a broker
    outage, retries whose scheduled run went missing)."""
    return services.emails_enqueue(services.emails_due())
