"""Filters of the browse page. Every filter here has an index behind it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from practices.cases.models import CaseStudy
from practices.discovery.search import case_search
from practices.vocabularies.models import Term


def _term_choices(slug: str) -> list[tuple[str, str]]:
    return list(Term.objects.of(slug).active().values_list("code", "label"))


class CaseStudyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search")
    tag = django_filters.MultipleChoiceFilter(method="filter_tags", label="Tags", choices=[])
    tlp = django_filters.MultipleChoiceFilter(
        choices=[c for c in CaseStudy.TLP.choices if c[0] != CaseStudy.TLP.RED],
        widget=forms.CheckboxSelectMultiple,
        label="TLP",
    )
    region = django_filters.ChoiceFilter(
        method="filter_region", label="Region", choices=[], empty_label="Any"
    )
    country = django_filters.ChoiceFilter(
        method="filter_country", label="Country", choices=[], empty_label="Any"
    )
    period_from = django_filters.DateFilter(
        method="filter_period_from",
        label="Incident active on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_to = django_filters.DateFilter(
        method="filter_period_to",
        label="Incident active on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = CaseStudy
        fields = ["q", "tag", "tlp", "region", "country", "period_from", "period_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = _term_choices("region")
        self.filters["country"].extra["choices"] = _term_choices("country")
        # Any term of any taxonomy may be asked for; unknown ones simply match nothing.
        tags = self.data.getlist("tag") if hasattr(self.data, "getlist") else []
        self.filters["tag"].extra["choices"] = [(t, t) for t in tags]
        self.filters["tag"].extra["widget"] = forms.MultipleHiddenInput

    def filter_text(self, queryset, name, value):
        # Full-text search over the case's own words, never its organisation's name (which
        # must not leak for anonymised cases); ordered by relevance.
        return case_search(queryset, value)

    def filter_tags(self, queryset, name, values):
        return queryset.tagged_with_all(values)

    def filter_region(self, queryset, name, value):
        return queryset.tagged("region", value)

    def filter_country(self, queryset, name, value):
        return queryset.tagged("country", value)

    def filter_period_from(self, queryset, name, value):
        return queryset.filter(
            Q(incident_end__gte=value) | Q(incident_end__isnull=True, incident_start__isnull=False)
        )

    def filter_period_to(self, queryset, name, value):
        return queryset.filter(incident_start__lte=value)
