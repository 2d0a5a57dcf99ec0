from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import Invitation


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def invitation_email_send(self, invitation_pk: int, link: str) -> None:
    """E-mail an invitation link; a revoked or accepted invitation is silently skipped."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_pk)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return
    context = {
        "invitation": invitation,
        "link": link,
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=f"[Practice Exchange] Invitation to join {invitation.organisation.name}",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/invitation.html", context), "text/html"
    )
    try:
        message.send()
    except OSError as exc:  # SMTP server unreachable: try again later
        raise self.retry(exc=exc) from exc
