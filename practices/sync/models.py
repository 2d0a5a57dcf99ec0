"""The change feed and the webhooks that follow it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.models import CaseStudy


class FeedCounter(models.Model):
    """The one row whose lock orders the change feed (see practices/sync/feed.py)."""

    value = models.BigIntegerField(default=0)
    # The time of the last entry: the next one's is later, however the clock reads.
    last_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.value)


class CaseChange(models.Model):
    """One entry of the change feed: case X (or collection X) changed, with who could read it
    right after.

    ``seq`` is handed out under the FeedCounter lock, so entries become visible to readers
    strictly in ``seq`` order. The audience snapshot (``public_to_all``, ``audience``) lets
    the feed tell a consumer that lost access (tombstone) from one that never had it (nothing).

    Collections (``practices.hub``, a room above this one) share the sequence: their entries
    have ``kind`` "collection", ``collection_uuid`` and no case or organisation. The hub is
    named by a string reference, so this room does not import it. A collection entry made by a
    change to one of its cases (added, removed, moved, its note, the case itself) names that
    case in ``collection_case_id``: the feed shows the entry only to readers of that case, so
    the others learn nothing of a case they may not read, not even that something changed.
    """

    class Kind(models.TextChoices):
        CASE = "case", _("Case")
        COLLECTION = "collection", _("Collection")

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CASE)
    case_uuid = models.UUIDField(db_index=True, null=True, blank=True)
    case_study = models.ForeignKey(
        CaseStudy, on_delete=models.SET_NULL, null=True, related_name="changes"
    )
    collection_uuid = models.UUIDField(db_index=True, null=True, blank=True)
    collection = models.ForeignKey(
        "practices.Collection", on_delete=models.SET_NULL, null=True, related_name="changes"
    )
    # A key, not a foreign key: once the case is deleted, no reader can read it, and the entry
    # stays hidden from everyone but moderators' own reading of the collection's present state.
    collection_case_id = models.BigIntegerField(null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=CaseStudy.Status.choices)
    tlp = models.CharField(max_length=20, choices=CaseStudy.TLP.choices)
    public_to_all = models.BooleanField(
        help_text="Published TLP:CLEAR or GREEN at this point: every organisation could read it."
    )
    audience = models.ManyToManyField(
        Organisation,
        related_name="+",
        blank=True,
        help_text="Recipients of a published AMBER case.",
    )
    deleted = models.BooleanField(default=False)
    # Handed out with ``seq`` (``feed._next_seq``): later than every earlier entry's.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        # TAXII's added_after finds its place in the feed by time (interop.selectors.seq_after).
        indexes = [models.Index(fields=["created_at", "seq"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="case", case_uuid__isnull=False, organisation__isnull=False)
                    | Q(kind="collection", collection_uuid__isnull=False)
                ),
                name="case_change_names_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.case_uuid or self.collection_uuid}"


class WebhookEndpoint(models.Model):
    """An address where an organisation receives case events as signed POSTs.

    Managed by the organisation's admins. Deliveries carry only what the organisation may read.
    The signing secret is needed in clear to sign, so it is kept encrypted with a key derived
    from SECRET_KEY (practices/sync/signing.py) and shown once, when the endpoint is registered.
    """

    class EventType(models.TextChoices):
        CASE_PUBLISHED = "case.published", _("case.published: a published case became readable")
        CASE_UPDATED = "case.updated", _("case.updated: a case you can read changed")
        CASE_REMOVED = "case.removed", _("case.removed: you may no longer read a case")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=500)
    secret_encrypted = models.TextField(editable=False)
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["is_active"])]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """One event for one endpoint (the outbox): written in the transaction of the change.

    ``payload`` is computed at write time, as the endpoint's organisation saw the case then.
    Delivery attempts are claimed by moving ``next_attempt_at`` forward, so a retry scheduled
    by Celery and one re-enqueued by the sweeper never both send.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=30, choices=WebhookEndpoint.EventType.choices)
    case_uuid = models.UUIDField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.case_uuid}"


class WebhookDelivery(models.Model):
    """One attempt to deliver an event: what the receiver answered, or what went wrong."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"attempt {self.attempt}: {self.status_code or self.error[:40]}"
