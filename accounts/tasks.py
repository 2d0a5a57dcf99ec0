"""Background jobs of accounts.

Invitation mail is now stored in the e-mail outbox by the service that creates the invitation
(``accounts.services.invitation_email_queue``) and sent from there. This task stays for
messages still sitting in a broker from before; it stores the mail the same way.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from accounts.models import Invitation


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def invitation_email_send(self, invitation_pk: int, link: str) -> None:
    """Queue an invitation link; a revoked or accepted invitation is silently skipped."""
    from accounts.services import invitation_email_queue

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_related("organisation", "invited_by")
            .filter(pk=invitation_pk)
            .first()
        )
        if invitation is None or not invitation.is_pending:
            return
        invitation_email_queue(invitation=invitation, link=link)
