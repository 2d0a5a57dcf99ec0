"""Query sets for vocabulary terms."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet


class TermQuerySet(models.QuerySet):
    def active(self) -> TermQuerySet:
        return self.filter(is_active=True)

    def of(self, taxonomy_slug: str) -> TermQuerySet:
        return self.filter(taxonomy__slug=taxonomy_slug)

    def used_on(self, cases: QuerySet) -> TermQuerySet:
        """Terms carried by at least one of ``cases``. Free keywords summarise the cases they
        were typed on, so a reader is shown only those used on cases they may read: pass
        ``cases`` built from ``visible_to``."""
        through = self.model.case_studies.through.objects.filter(
            term_id=OuterRef("pk"), casestudy_id__in=cases.order_by().values("pk")
        )
        return self.filter(Exists(through))
