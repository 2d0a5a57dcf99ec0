"""Who may read a collection: ``CollectionQuerySet.visible_to``, next to the case rule."""

from __future__ import annotations

from django.db import models

from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_moderates


class CollectionQuerySet(models.QuerySet):
    def visible_to(self, actor) -> CollectionQuerySet:
        """The collections this actor may read (the collection, not yet its cases).

        Built from the case rule so the two cannot drift: a published collection is readable
        by whoever reads *every* published case of its TLP (``tlps_published_to``): CLEAR by
        everyone, visitors included when the public view is on; GREEN by members of active
        organisations and their tokens. Drafts are for moderators only. A deactivated person
        or a member of an inactive organisation reads like a visitor, as for cases.

        Which member cases each reader sees is decided separately, by
        ``CaseStudy.objects.visible_to`` (``practices.hub.collection_selectors``).
        """
        if actor_moderates(actor):
            return self.all()
        tlps = CaseStudy.objects.tlps_published_to(actor)
        return self.filter(status=self.model.Status.PUBLISHED, tlp__in=sorted(tlps))

    def published(self) -> CollectionQuerySet:
        return self.filter(status=self.model.Status.PUBLISHED)
