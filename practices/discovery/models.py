"""The search index: one row per case with the words search looks at, by weight."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy


class CaseSearchDocument(models.Model):
    """What full-text search reads for one case, rebuilt in every transaction that changes its
    words (``practices.discovery.search``).

    ``heading`` (weight A) holds the title, keywords and the labels and codes of the case's
    terms; ``body`` (B) the summary, lessons and recommendations; ``detail`` (C) the incident,
    response and outcome. Never the organisation's name: a hit on it would reveal who wrote an
    anonymised case. On PostgreSQL ``vector`` is the weighted ``tsvector`` (GIN-indexed) and a
    trigram index over the three texts serves typos and Japanese and Korean, which have no
    spaces between words; on SQLite two FTS5 tables mirror the texts (see the migration).
    """

    case_study = models.OneToOneField(
        CaseStudy, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    heading = models.TextField(blank=True)
    body = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)
    # The month the case was published (``window.month_number``), None while it never was.
    # On PostgreSQL the vector's GIN index holds it too (btree_gin), so that a common search
    # can read only its matches of the newest months (``practices.discovery.window``).
    published_month = models.PositiveIntegerField(null=True, editable=False)
    # The case's TLP, in the same GIN index: a visitor, who may read only CLEAR cases, has a
    # search that gathers every match read only the CLEAR ones from the index
    # (``search._relevance_order``). It only narrows: the case's own TLP is still checked.
    # Empty when unknown (a document written by a version before migration 0023).
    tlp = models.CharField(max_length=20, blank=True, db_default="", editable=False)

    def __str__(self) -> str:
        return f"search document of case {self.case_study_id}"


class SearchWord(models.Model):
    """A word of the shared index, for typo search on PostgreSQL (``practices.discovery.search``).

    Trigram similarity against whole documents must recheck thousands of long texts; against
    this list of distinct words (the pattern of pg_trgm's "Text Search Integration") it takes
    milliseconds. Only words of published CLEAR or GREEN cases are kept, and ``public`` says
    whether a CLEAR case holds it: a reader is offered only words of the TLPs they see whole
    (``CaseStudyQuerySet.tlps_published_to``), so a correction is never shaped by a case the
    reader may not read. Words are only added: one that no such case holds any longer (its case
    withdrawn, restricted or revised) stays until a full ``search_index_rebuild`` starts the
    list anew, and is not offered meanwhile (``search.NEAREST_WORDS_SQL``). Never shown.
    """

    word = models.CharField(max_length=64, primary_key=True)
    public = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.word


class SavedSearch(models.Model):
    """A search a person keeps under a name, and how often they want new matches by e-mail.

    ``query`` is the browse page's query string exactly as its URL holds it (``q``, ``tag``,
    ``tlp``, …; never ``page``), so "run" is a link and alerts apply the same filters as the
    page. ``last_checked_at`` is the high-water mark: an alert lists only cases published after
    it (and visible to the owner when the mail is built); each run moves it forward.
    """

    class Frequency(models.TextChoices):
        NONE = "none", _("No e-mail")
        IMMEDIATE = "immediate", _("Immediately (checked every few minutes)")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.NONE)
    created_at = models.DateTimeField(default=timezone.now)
    last_checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["frequency", "last_checked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency__in=["none", "immediate", "daily", "weekly"]),
                name="savedsearch_frequency_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name
