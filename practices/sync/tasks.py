"""Background jobs of the sync room: webhook delivery and the sweeper. Thin: they take primary
keys and call the code that does the work. Their names are fixed (``practices.tasks.…``) so
that messages already queued, and the beat schedule, outlive moves between modules."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from practices.sync import delivery

# One logger for the webhook machinery, named as before the move into rooms (alerts use it).
logger = logging.getLogger("practices.webhooks")


@shared_task(name="practices.tasks.webhook_deliver", bind=True, max_retries=None, acks_late=True)
def webhook_deliver(self, event_pk: int) -> str:
    """One delivery attempt of a webhook event; on failure, schedule the next with back-off.

    The attempt count, the back-off (``delivery.retry_countdown``) and the limit
    (WEBHOOK_MAX_ATTEMPTS) live on the event, so retries scheduled here and re-enqueues by
    ``webhooks_sweep`` share one budget, and a duplicate run finds nothing due.
    """
    outcome = delivery.webhook_event_attempt(event_pk=event_pk)
    if outcome.retry_in is not None:
        # throw=False: the next run is scheduled and this one ends normally. Eagerly (no
        # broker) nothing is scheduled: the sweeper makes the attempt once it is due.
        self.retry(
            countdown=outcome.retry_in, max_retries=settings.WEBHOOK_MAX_ATTEMPTS, throw=False
        )
    return outcome.status


@shared_task(name="practices.tasks.webhooks_sweep", bind=True, max_retries=0, acks_late=True)
def webhooks_sweep(self) -> int:
    """Every minute: enqueue pending webhook events whose attempt is due (lost enqueues after a
    broker outage, retries whose scheduled run went missing)."""
    return webhook_events_enqueue(delivery.webhook_events_due())


def webhook_events_enqueue(event_pks: list[int]) -> int:
    """Hand events to the broker; returns how many were handed over.

    Never raises: this runs after the change committed, and a broker outage must not turn a
    saved change into an error page. Whatever is not enqueued stays pending in the database
    and ``webhooks_sweep`` enqueues it later.
    """

    enqueued = 0
    for pk in event_pks:
        try:
            webhook_deliver.delay(pk)
        except Exception:
            # Most likely the broker is down, so the rest would fail too (each after the
            # publish retries): stop here and leave them to the sweeper.
            logger.exception(
                "Could not enqueue webhook event %s; %d left pending for the sweeper",
                pk,
                len(event_pks) - enqueued,
            )
            break
        enqueued += 1
    return enqueued
