"""Queueing and sending e-mail through the outbox.

``email_queue`` writes the message in the caller's transaction and hands it to Celery after
commit; a broker outage is logged and never fails the caller: ``emails_sweep`` (beat, every
minute) sends whatever is still pending. ``email_send`` claims a message with a conditional
UPDATE, so two workers that pick up the same message send it once; SMTP failures are retried
with exponential back-off up to EMAIL_MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.models import Email

logger = logging.getLogger(__name__)

Status = Email.Status
SWEEP_BATCH = 500
# A claim older than this belongs to a worker that died mid-send (tasks are killed after
# CELERY_TASK_TIME_LIMIT): the sweeper hands the message out again.
CLAIM_LEASE = timedelta(minutes=10)
ERROR_TEXT_CHARS = 500


def retry_countdown(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts: 60, 120, 240, … at most an hour."""
    return min(2**attempts * 30, 3600)


@transaction.atomic
def email_queue(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    from_email: str = "",
    reference: str = "",
) -> Email:
    """Store a message in the caller's transaction; it is sent after commit."""
    email = Email.objects.create(
        to=list(to),
        subject=subject,
        body=body,
        html_body=html_body,
        from_email=from_email,
        reference=reference,
    )
    transaction.on_commit(partial(emails_enqueue, [email.pk]))
    return email


def email_queue_message(message: EmailMessage, *, reference: str = "") -> Email:
    """Store a rendered Django message (e.g. one allauth built) instead of sending it."""
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    body = message.body
    if message.content_subtype == "html" and not html:
        body, html = "", message.body
    return email_queue(
        to=[*message.to, *message.cc, *message.bcc],
        subject=str(message.subject),
        body=body,
        html_body=html,
        from_email=message.from_email or "",
        reference=reference,
    )


@transaction.atomic
def email_cancel(*, reference: str) -> int:
    """Cancel the pending messages about ``reference`` (e.g. a revoked invitation's link)."""
    return Email.objects.filter(reference=reference, status=Status.PENDING).update(
        status=Status.CANCELLED, body="", html_body=""
    )


@dataclass(frozen=True)
class SendOutcome:
    status: str  # the message's status afterwards, or "not-due" when nothing was attempted
    retry_in: int | None = None  # seconds until the next attempt, when one is scheduled


def _claim(email_pk: int) -> bool:
    now = timezone.now()
    return bool(
        Email.objects.filter(pk=email_pk, status=Status.PENDING, next_attempt_at__lte=now).update(
            status=Status.SENDING, claimed_at=now
        )
    )


def _message(email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email or None,
        to=email.to,
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def email_send(*, email_pk: int) -> SendOutcome:
    """One attempt at sending a message, at most once however many workers ask."""
    if not _claim(email_pk):
        return SendOutcome("not-due")  # sent, being sent, cancelled, or not due yet
    email = Email.objects.get(pk=email_pk)
    try:
        get_connection().send_messages([_message(email)])
    except (OSError, smtplib.SMTPException) as exc:
        email.attempts += 1
        email.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_CHARS]
        email.claimed_at = None
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            email.status = Status.FAILED
            email.save(update_fields=["attempts", "last_error", "claimed_at", "status"])
            logger.error("Gave up e-mail %s after %d attempts: %s", email.pk, email.attempts, exc)
            return SendOutcome(Status.FAILED)
        countdown = retry_countdown(email.attempts)
        email.status = Status.PENDING
        email.next_attempt_at = timezone.now() + timedelta(seconds=countdown)
        email.save(
            update_fields=["attempts", "last_error", "claimed_at", "status", "next_attempt_at"]
        )
        logger.warning("E-mail %s not sent (%s); next attempt in %ss", email.pk, exc, countdown)
        return SendOutcome(Status.PENDING, retry_in=countdown)
    Email.objects.filter(pk=email.pk).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        attempts=email.attempts + 1,
        claimed_at=None,
        last_error="",
        body="",
        html_body="",
    )
    return SendOutcome(Status.SENT)


def emails_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending messages whose attempt is due, oldest first (lost enqueues, retries, and claims
    of workers that died mid-send, which are released first)."""
    now = timezone.now()
    Email.objects.filter(status=Status.SENDING, claimed_at__lt=now - CLAIM_LEASE).update(
        status=Status.PENDING, claimed_at=None
    )
    return list(
        Email.objects.filter(Q(status=Status.PENDING) & Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def emails_enqueue(email_pks: list[int]) -> int:
    """Hand messages to the broker; returns how many were handed over.

    Never raises: this runs after the change committed, and a broker outage must not turn a
    done action into an error page. What is not enqueued stays pending for ``emails_sweep``.
    """
    from outbox.tasks import email_send as email_send_task

    enqueued = 0
    for pk in email_pks:
        try:
            email_send_task.delay(pk)
        except Exception:
            # Most likely the broker is down, so the rest would fail too: leave them to the
            # sweeper rather than wait for each publish to time out.
            logger.exception(
                "Could not enqueue e-mail %s; %d left pending for the sweeper",
                pk,
                len(email_pks) - enqueued,
            )
            break
        enqueued += 1
    return enqueued
