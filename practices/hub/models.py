"""The hub's models. Each concern of the room keeps its own model here; re-exported from
``practices.models``.

Access requests: an organisation asks the originator of a discoverable AMBER case to become a
recipient (``practices.hub.access``).

Adoption feedback: another organisation says it applied a case's practice, and how it went
(``practices.hub.adoptions``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
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


ADAPTATION_MAX = 5000
WHERE_MAX = 300


class Adoption(models.Model):
    """One organisation's report that it applied the practice of a case (``practices.hub``).

    An adoption is readable by exactly those who may read its case (``adoptions.py`` joins to
    ``CaseStudy.objects.visible_to``); an anonymised one hides the adopting organisation from
    everyone but that organisation and the moderators, as for cases. It names its case and
    organisation by key only (``__str__``), so the audit trail carries no title or name.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_study = models.ForeignKey(
        CaseStudy, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("case")
    )
    # The adopting organisation: its people (never the originator's) may edit or delete it.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="adoptions",
        verbose_name=_("adopting organisation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when an API token recorded it.",
    )
    applied_on = models.DateField(
        _("applied on"), help_text=_("When your organisation applied the practice.")
    )
    where = models.CharField(
        _("where"),
        max_length=WHERE_MAX,
        help_text=_("The country, place or context in which it was applied."),
    )
    adaptation = models.TextField(
        _("how it was adapted"),
        blank=True,
        max_length=ADAPTATION_MAX,
        help_text=_("Markdown. What you changed, and why."),
    )
    effect = models.CharField(_("effect"), max_length=20, choices=CaseStudy.Effectiveness.choices)
    evidence = models.CharField(_("evidence"), max_length=20, choices=CaseStudy.Evidence.choices)
    attribution_mode = models.CharField(
        _("attribution"),
        max_length=20,
        choices=CaseStudy.AttributionMode.choices,
        default=CaseStudy.AttributionMode.NAMED,
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-applied_on", "-created_at", "-id"]
        indexes = [models.Index(fields=["case_study", "applied_on"], name="adoption_case_date")]

    def __str__(self) -> str:
        return f"adoption {self.uuid} of case {self.case_study.uuid}"

    @property
    def is_anonymised(self) -> bool:
        return self.attribution_mode == CaseStudy.AttributionMode.ANONYMISED

    def clean(self) -> None:
        if self.applied_on and self.applied_on > timezone.localdate():
            raise ValidationError(
                {"applied_on": _("The date it was applied cannot be in the future.")}
            )
