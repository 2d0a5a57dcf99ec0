"""The e-mail outbox: every message the portal sends, written in the transaction that caused it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Email(models.Model):
    """One message, stored with the change that caused it and sent after commit by a task.

    The bodies are kept only until the message is sent: some carry single-use secrets
    (invitation and password-reset links) that must not stay in the database.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        FAILED = "failed", "failed (gave up)"
        CANCELLED = "cancelled", "cancelled"

    to = models.JSONField("recipients", default=list)
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
        verbose_name = "e-mail"
        verbose_name_plural = "e-mails"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
