"""The controlled vocabularies cases are tagged with: taxonomies and their terms."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from practices.vocabularies.labels import term_display_label
from practices.vocabularies.querysets import TermQuerySet


class Taxonomy(models.Model):
    """A controlled vocabulary (DISARM Red, countries, platforms, …); tags are its terms."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    attribution = models.TextField(
        blank=True, help_text="Shown wherever this vocabulary's names are displayed or exported."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    """One entry of a taxonomy, e.g. DISARM technique T0002.001 under tactic TA02."""

    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Inactive terms stay on the cases that use them but are not offered.",
    )
    source = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "The label in other languages, by language code (fr, ja, ko); the English label "
            "is used where one is missing."
        ),
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["taxonomy__position", "position", "code"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "code"], name="term_unique_code"),
        ]
        indexes = [models.Index(fields=["taxonomy", "is_active"])]

    def __str__(self) -> str:
        return f"{self.code} {self.label}" if self.code != self.label else self.label

    @property
    def display(self) -> str:
        return str(self)

    @property
    def display_label(self) -> str:
        """The label in the reader's (active) language; ``label`` stays English."""
        return term_display_label(self.taxonomy.slug, self.code, self.label, self.translations)
