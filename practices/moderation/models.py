"""The approvals of each moderation round (the history thread itself is `cases.ModerationEvent`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from practices.cases.models import CaseStudy


class Approval(models.Model):
    """A moderator's approval of one submission round; publication needs enough of them."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="approvals")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case_study", "round", "moderator"], name="approval_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.moderator} approved {self.case_study} (round {self.round})"
