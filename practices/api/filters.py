from __future__ import annotations

import django_filters

from practices.cases.models import CaseStudy
from practices.discovery.filters import CaseStudyFilterSet as BrowseFilterSet
from practices.discovery.selection import Selection


class CaseStudyApiFilterSet(django_filters.FilterSet):
    """Filters for /api/v1/cases/; each one is backed by an index."""

    tag = django_filters.CharFilter(
        method="filter_tags", label='Terms as "taxonomy:code", comma-separated; all must match'
    )
    taxonomy = django_filters.CharFilter(method="filter_taxonomy", label="Has any term of")
    tlp = django_filters.MultipleChoiceFilter(
        choices=[c for c in CaseStudy.TLP.choices if c[0] != CaseStudy.TLP.RED]
    )
    region = django_filters.CharFilter(method="filter_region")
    country = django_filters.CharFilter(method="filter_country")
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStudy.Status.choices,
        help_text="Other organisations' cases are always published; drafts etc. are your own.",
    )
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = CaseStudy
        fields = ["tag", "taxonomy", "tlp", "region", "country", "status", "updated_after"]

    def filter_tags(self, queryset, name, value):
        return queryset.tagged_with_all([v.strip() for v in value.split(",") if v.strip()])

    def filter_taxonomy(self, queryset, name, value):
        return queryset.tagged(value)

    def filter_region(self, queryset, name, value):
        return queryset.tagged("region", value)

    def filter_country(self, queryset, name, value):
        return queryset.tagged("country", value.upper())

    # The browse page's words and facets (practices.discovery), so that this list agrees with
    # the counts of /api/v1/cases/facets/. Declared filters need no entry in Meta.fields.
    q = django_filters.CharFilter(
        method="filter_text", label='Words, "exact phrase", OR, -exclude (no relevance order)'
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

    def filter_text(self, queryset, name, value):
        return Selection(text=value).search(queryset)

    def filter_facet(self, queryset, name, values):
        if name == "year":
            return Selection(years=[int(v) for v in values]).narrow(queryset)
        return Selection(effectiveness=list(values)).narrow(queryset)
