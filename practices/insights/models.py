"""Links between related cases ("same narrative", "amplified", "response adapted from")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.models import CaseStudy


class CaseLink(models.Model):
    """One case said to be related to another, by a member of the first case's organisation
    or by a moderator (``practices.insights.services``).

    A link is shown only to readers who may read both cases (``practices.insights.links``);
    anyone else learns nothing of it. It names the cases by key only (``__str__`` as well), so
    the audit trail carries no title.
    """

    class Kind(models.TextChoices):
        SAME_NARRATIVE = "same_narrative", _("Same narrative")
        AMPLIFIED = "amplified", _("Amplified")
        RESPONSE_ADAPTED_FROM = "response_adapted_from", _("Response adapted from")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    from_case = models.ForeignKey(
        CaseStudy, on_delete=models.CASCADE, related_name="links_from", verbose_name=_("from case")
    )
    to_case = models.ForeignKey(
        CaseStudy, on_delete=models.CASCADE, related_name="links_to", verbose_name=_("to case")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The organisation the linker acted for: its people (and tokens) may remove the link.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [
            models.UniqueConstraint(
                fields=["from_case", "to_case", "kind"], name="case_link_unique_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(from_case=F("to_case")), name="case_link_not_to_itself"
            ),
        ]
        indexes = [models.Index(fields=["to_case", "from_case"], name="case_link_to_from")]

    def __str__(self) -> str:
        return f"{self.kind} link {self.from_case.uuid} → {self.to_case.uuid}"
