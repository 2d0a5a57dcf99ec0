"""The hub's models. Each concern of the room keeps its own model here; re-exported from
``practices.models``.

Access requests: an organisation asks the originator of a discoverable AMBER case to become a
recipient (``practices.hub.access``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.models import CaseStudy

ACCESS_REASON_MAX = 2_000
ACCESS_NOTE_MAX = 2_000


class AccessRequest(models.Model):
    """One organisation asking to read one discoverable AMBER case, and the originator's
    answer. At most one request per case and organisation is pending at a time; granting it
    makes the organisation a recipient of the case."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_study = models.ForeignKey(
        CaseStudy, on_delete=models.CASCADE, related_name="access_requests"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="access_requests",
        help_text="The organisation asking for access.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=ACCESS_REASON_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("note"), blank=True, max_length=ACCESS_NOTE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_study", "organisation"],
                condition=Q(status="pending"),
                name="access_request_one_pending_per_case_and_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "granted", "declined", "withdrawn"]),
                name="access_request_status_known",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), ACCESS_REASON_MAX),
                name="access_request_reason_max_length",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("decision_note"), ACCESS_NOTE_MAX),
                name="access_request_decision_note_max_length",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="access_request_by_requester"),
            models.Index(fields=["case_study", "status"], name="access_request_by_case"),
        ]

    def __str__(self) -> str:
        return f"Access request of {self.organisation} for case {self.case_study.uuid}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
