"""Background jobs of moderation: the moderators' digest, and the notification tasks that
services used to enqueue. Thin: they take primary keys and call the code that does the work.
Their names are fixed (``practices.tasks.…``) so that messages already queued, and the beat
schedule, outlive moves between modules.

Notifications are now written to the e-mail outbox in the change's own transaction
(``practices.moderation.notifications``); the three ``*_notify`` tasks remain for messages
still sitting in a broker from before, and queue the mail the same way."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from practices.cases.models import CaseRevision, CaseStudy, ModerationEvent
from practices.moderation import notifications


def _event(event_pk: int) -> ModerationEvent | None:
    return (
        ModerationEvent.objects.select_related(
            "case_study__organisation", "case_study__created_by", "actor"
        )
        .filter(pk=event_pk)
        .first()
    )


@transaction.atomic
def _notify(task, event_pk: int) -> int:
    event = _event(event_pk)
    if event is None:
        return 0
    return notifications.event_notify(event)


# Three names for one job, so queues, logs and tests say whom a message is for.
@shared_task(
    name="practices.tasks.moderators_notify",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def moderators_notify(self, event_pk: int) -> int:
    """Tell the moderators that a case was (re)submitted."""
    return _notify(self, event_pk)


@shared_task(
    name="practices.tasks.originator_notify",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def originator_notify(self, event_pk: int) -> int:
    """Tell the originating organisation what happened to its case."""
    return _notify(self, event_pk)


@shared_task(
    name="practices.tasks.revision_notify",
    bind=True,
    max_retries=5,
    default_retry_delay=60,
    acks_late=True,
)
def revision_notify(self, event_pk: int) -> int:
    """Tell moderators of a pending revision, or the organisation of the decision."""
    return _notify(self, event_pk)


@shared_task(
    name="practices.tasks.moderators_digest",
    bind=True,
    max_retries=3,
    default_retry_delay=300,
    acks_late=True,
)
def moderators_digest(self) -> int:
    """Each morning: what waits for review, oldest first, to every moderator who wants it
    (queued in the outbox; returns how many digests were queued)."""
    now = timezone.now()
    sent = 0
    for moderator in User.objects.moderators().filter(wants_optional_email=True):
        cases = list(
            CaseStudy.objects.visible_to(moderator)
            .filter(status=CaseStudy.Status.SUBMITTED)
            .exclude(organisation_id=moderator.organisation_id)
            .select_related("organisation", "claimed_by")
            .order_by("submitted_at")
        )
        revisions = list(
            CaseRevision.objects.filter(
                status=CaseRevision.Status.PENDING,
                case_study__in=CaseStudy.objects.visible_to(moderator),
            )
            .exclude(case_study__organisation_id=moderator.organisation_id)
            .select_related("case_study")
            .order_by("submitted_at")
        )
        if not cases and not revisions:
            continue
        # Each moderator's digest is stored on its own; the outbox sends and retries it.
        with transaction.atomic():
            waiting = len(cases) + len(revisions)
            sent += notifications.send(
                [moderator],
                # Called in the moderator's language by ``send``.
                lambda waiting=waiting: (
                    ngettext(
                        "%(count)d item waiting for review",
                        "%(count)d items waiting for review",
                        waiting,
                    )
                    % {"count": waiting}
                ),
                "digest",
                {
                    "cases": cases,
                    "revisions": revisions,
                    "now": now,
                    "site": settings.SITE_URL,
                },
            )
    return sent
