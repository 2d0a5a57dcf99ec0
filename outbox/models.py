"""The e-mail outbox: every message the portal sends, written in the transaction that caused it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    """One message, stored with the change that caused it and sent after commit by a task.

    The bodies are kept only until the message is sent: some carry single-use secrets
    (invitation and password-reset links) that must not stay in the database.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (gave up)")
        CANCELLED = "cancelled", _("cancelled")

    to = models.JSONField(_("recipients"), default=list)
    from_email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    # What the message is about, e.g. "invitation:12", so a later change can cancel it.
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
