"""Query sets for the audit trail."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, actor, *, readable_case_uuids: QuerySet) -> AuditEventQuerySet:
        """Operators see the whole trail; moderators see events about cases they may read
        (and events about no case), so the log never reveals another organisation's draft.

        ``readable_case_uuids`` must be ``CaseStudy.objects.visible_to(actor).values("uuid")``:
        the audit trail sits below the cases it records, so it cannot build it itself. Call
        ``practices.moderation.selectors.audit_event_list`` rather than this directly.
        """
        if not actor.is_authenticated or not actor.is_active:
            return self.none()
        if actor.is_superuser:
            return self
        if not actor.is_moderator:
            return self.none()
        return self.filter(
            Q(case_study_uuid__isnull=True) | Q(case_study_uuid__in=readable_case_uuids)
        )
