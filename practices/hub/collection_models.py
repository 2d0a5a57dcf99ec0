"""Collections: moderators' themed, ordered sets of cases with a synthesis and a note per case.

Only collection models live here (the hub's other models are in ``practices/hub/models.py``);
they are re-exported from ``practices/models.py``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.hub.collection_querysets import CollectionQuerySet


class Collection(models.Model):
    """A curated reading list: title, synthesis (Markdown), TLP:CLEAR or GREEN, ordered cases.

    Who may read the collection itself is ``Collection.objects.visible_to``; which of its cases
    a reader sees is decided case by case by ``CaseStudy.objects.visible_to`` (selectors), so a
    collection never reveals a case its reader may not read. It may also serve a workshop or
    working group (date, place, participating organisations).
    """

    class TLP(models.TextChoices):
        CLEAR = CaseStudy.TLP.CLEAR.value, "TLP:CLEAR"
        GREEN = CaseStudy.TLP.GREEN.value, "TLP:GREEN"

    class Status(models.TextChoices):
        DRAFT = CaseStudy.Status.DRAFT.value, _("Draft")
        PUBLISHED = CaseStudy.Status.PUBLISHED.value, _("Published")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    synthesis = models.TextField(
        _("synthesis"), blank=True, help_text=_("What the cases teach together (Markdown).")
    )
    tlp = models.CharField("TLP", max_length=20, choices=TLP.choices, default=TLP.GREEN)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    workshop_date = models.DateField(_("workshop date"), null=True, blank=True)
    workshop_place = models.CharField(_("workshop place"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="workshop_collections",
        verbose_name=_("participating organisations"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green"]), name="collection_tlp_clear_or_green"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="collection_status_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "tlp"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_workshop(self) -> bool:
        return bool(self.workshop_date or self.workshop_place)


class CollectionItem(models.Model):
    """One case in a collection, at a position, with the curator's note.

    The note travels with its case: a reader who may not read the case sees neither.
    """

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField(_("position"))
    note = models.TextField(_("curator's note"), blank=True, max_length=4000)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "case"], name="collection_item_case_once"
            ),
        ]

    def __str__(self) -> str:
        # By key only: the audit trail and admin lists must not carry a case's title.
        return f"{self.collection_id}#{self.position}"
