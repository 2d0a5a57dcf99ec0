"""The search index: one row per case with the words search looks at, by weight."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

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

    def __str__(self) -> str:
        return f"search document of case {self.case_study_id}"
