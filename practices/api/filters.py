from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from practices.cases.models import CaseStudy
from practices.discovery.filters import CaseStudyFilterSet as BrowseFilterSet
from practices.discovery.filters import code_checked, tags_checked
from practices.discovery.selection import (
    CODE_PATTERN,
    TAG_PATTERN,
    Selection,
    legacy_tags,
    tags_parse,
)
from practices.vocabularies.labels import iso639_1_codes

# RFC 3339, as "format: date-time" in the schema promises: a date, a time and an offset.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
RFC3339_HELP = (
    "Give a date and time with its offset (RFC 3339), e.g. 2026-01-15T09:00:00Z; "
    "write a + in the offset as %%2B."
)


class Rfc3339Field(IsoDateTimeField):
    """Only what the schema's date-time allows: no bare dates, no times without an offset, and
    no empty value (which would otherwise silently drop the filter)."""

    default_error_messages = {"invalid": RFC3339_HELP}

    def clean(self, value):
        if value is not None and not RFC3339.match(value):
            raise forms.ValidationError(RFC3339_HELP, code="invalid")
        moment = super().clean(value)
        if moment is None:
            return None
        # In UTC before it reaches the database: PostgreSQL refuses offsets beyond ±15:59,
        # which RFC 3339 allows; a moment outside years 1–9999 in UTC has no answer.
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(RFC3339_HELP, code="invalid") from exc


class Rfc3339Filter(django_filters.IsoDateTimeFilter):
    field_class = Rfc3339Field


TAG_HELP = (
    'Terms as "taxonomy:code", repeatable or comma-separated: any of one taxonomy, and one of '
    "each taxonomy named (as on the browse page and in the facet counts)"
)


@extend_schema_field(
    {
        "type": "string",
        "pattern": CODE_PATTERN,
        "description": "One code: region=… is read as tag=region:…, country=… as tag=country:…",
    }
)
class LegacyTagFilter(django_filters.CharFilter):
    """``region`` and ``country`` of older clients, read as tags (``filter_queryset``)."""


class CaseStudyApiFilterSet(django_filters.FilterSet):
    """Filters for /api/v1/cases/; each one is backed by an index."""

    tag = django_filters.MultipleChoiceFilter(
        method="filter_tags", label=TAG_HELP, validators=[tags_checked]
    )
    # Read as tag=region:… and tag=country:… (see filter_queryset), as the browse page does.
    # Not stripped: a value of white space is not "no value" but no code (``code_checked``).
    region = LegacyTagFilter(strip=False, validators=[code_checked])
    country = LegacyTagFilter(strip=False, validators=[code_checked])
    taxonomy = django_filters.CharFilter(method="filter_taxonomy", label="Has any term of")
    tlp = django_filters.MultipleChoiceFilter(
        choices=[c for c in CaseStudy.TLP.choices if c[0] != CaseStudy.TLP.RED]
    )
    status = django_filters.MultipleChoiceFilter(
        method="filter_status",
        choices=CaseStudy.Status.choices,
        help_text="Other organisations' cases are always published; drafts etc. are your own.",
    )
    updated_after = Rfc3339Filter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = CaseStudy
        # In the order they apply. Which cases (status) and since when (updated_after) first;
        # then the words, so that a search keeps its newest matches of those; then every other
        # filter narrows within them, as on the browse page (for the same query, the published
        # cases of this list are what /api/v1/cases/facets/ counts).
        fields = ["status", "updated_after", "q", "tag", "region", "country", "taxonomy", "tlp"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any term may be asked for (as on the browse page); unknown ones simply match nothing.
        tags = self.data.getlist("tag") if hasattr(self.data, "getlist") else []
        self.filters["tag"].extra["choices"] = [(t, t) for t in tags]

    def filter_queryset(self, queryset):
        cleaned = self.form.cleaned_data
        tags = [*(cleaned.get("tag") or []), *legacy_tags(cleaned)]
        for name, value in cleaned.items():
            if name == "tag":  # with region and country: any of one taxonomy's values
                queryset = self.filters["tag"].filter(queryset, tags)
            elif name not in ("region", "country"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @extend_schema_field({"type": "string", "pattern": TAG_PATTERN, "description": TAG_HELP})
    def filter_tags(self, queryset, name, value: list[str]):
        return Selection(tags=tags_parse(value)).narrow(queryset)

    def filter_status(self, queryset, name, value):
        # One status by equality: a list of published cases alone is then known as such
        # (``discovery.window.published_only``), and its search may read its newest months.
        if len(value) == 1:
            return queryset.filter(status=value[0])
        return queryset.filter(status__in=value)

    def filter_taxonomy(self, queryset, name, value):
        return queryset.tagged(value)

    # The browse page's words and facets (practices.discovery), so that this list agrees with
    # the counts of /api/v1/cases/facets/. Declared filters need no entry in Meta.fields.
    q = django_filters.CharFilter(
        method="filter_text",
        label=(
            'Words, "exact phrase", OR, -exclude (no relevance order); a search keeps its '
            "2,000 most recently published matches, and the other filters narrow within them"
        ),
    )
    year = django_filters.MultipleChoiceFilter(
        method="filter_facet",
        choices=BrowseFilterSet.base_filters["year"].extra["choices"],
        label="Year the incident started (repeatable: any of them)",
    )
    effectiveness = django_filters.MultipleChoiceFilter(
        method="filter_facet",
        choices=CaseStudy.Effectiveness.choices,
        label="Effectiveness (repeatable: any of them)",
    )

    written_in = django_filters.MultipleChoiceFilter(
        field_name="language",
        method="filter_facet",
        choices=[(code, code) for code in sorted(iso639_1_codes())],
        label="Language the case is written in, ISO 639-1 (repeatable: any of them)",
    )

    period_from = django_filters.DateFilter(
        method="filter_period", label="Incident active on or after (YYYY-MM-DD)"
    )
    period_to = django_filters.DateFilter(
        method="filter_period", label="Incident active on or before (YYYY-MM-DD)"
    )

    def filter_period(self, queryset, name, value):
        return Selection(**{name: value}).narrow(queryset)

    def filter_text(self, queryset, name, value):
        # As the page and the facets read it: a query without a word to search for ("!!!",
        # "-x") is no search, rather than a search bounded to the newest matches.
        return Selection.from_cleaned({"q": value}).search(queryset, reader=self.request.user)

    def filter_facet(self, queryset, name, values):
        if name == "year":
            return Selection(years=[int(v) for v in values]).narrow(queryset)
        if name == "language":
            return Selection(languages=list(values)).narrow(queryset)
        return Selection(effectiveness=list(values)).narrow(queryset)
