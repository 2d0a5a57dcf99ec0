"""Query sets for vocabulary terms."""

from __future__ import annotations

from django.db import models


class TermQuerySet(models.QuerySet):
    def active(self) -> TermQuerySet:
        return self.filter(is_active=True)

    def of(self, taxonomy_slug: str) -> TermQuerySet:
        return self.filter(taxonomy__slug=taxonomy_slug)
