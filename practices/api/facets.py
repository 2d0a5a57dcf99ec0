"""API v1 facet counts: ``GET /api/v1/cases/facets/``, the browse page's counts for a query.

The filters are the browse page's (``practices.discovery``): ``q``, ``tag=taxonomy:code``
(repeatable or comma-separated; OR within a taxonomy, AND across), ``tlp``, ``year`` and
``effectiveness`` (repeatable, OR), ``period_from``/``period_to``. Counts are computed from the
published cases the caller may read, each family without its own selection (see
``practices.discovery.facets``).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from practices.discovery.browse import COUNT_CAP, capped_count
from practices.discovery.facets import case_facets
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.selection import TAG_PATTERN
from practices.vocabularies.labels import iso639_1_codes


class FacetValueSerializer(serializers.Serializer):
    parameter = serializers.CharField(help_text="The query parameter that chooses this value.")
    value = serializers.CharField(help_text='Its value, e.g. "country:JP", "amber", "2024".')
    label = serializers.CharField()
    count = serializers.IntegerField(
        help_text="Cases you may read that match the query with this value chosen (alone in "
        "its family)."
    )
    selected = serializers.BooleanField()


class FacetSerializer(serializers.Serializer):
    family = serializers.CharField(help_text='A taxonomy slug, or "tlp", "year", "effectiveness".')
    title = serializers.CharField()
    values = FacetValueSerializer(many=True)


class FacetCountsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=f"Matching cases, counted up to {COUNT_CAP}.")
    count_capped = serializers.BooleanField(help_text=f"More than {COUNT_CAP} cases match.")
    facets = FacetSerializer(many=True)


_MANY = {"many": True, "explode": True}
# The browse page's search and filters, as the facet counts, the matrix and "what worked" take them.
SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description='Words, "exact phrase", OR, -exclude'),
    OpenApiParameter(
        "tag",
        {"type": "array", "items": {"type": "string", "pattern": TAG_PATTERN}},
        description='"taxonomy:code", e.g. disarm-red:T0086 (repeatable or comma-separated)',
        explode=True,
    ),
    OpenApiParameter("tlp", str, enum=["clear", "green", "amber", "amber_strict"], **_MANY),
    OpenApiParameter(
        "year",
        {
            "type": "array",
            "items": {"type": "integer", "minimum": 1900, "maximum": 2100},
        },
        description="Year the incident started",
        explode=True,
    ),
    OpenApiParameter(
        "effectiveness",
        str,
        enum=[
            "not_assessed",
            "ineffective",
            "partly_effective",
            "effective",
            "highly_effective",
        ],
        **_MANY,
    ),
    OpenApiParameter(
        "written_in",
        str,
        enum=sorted(iso639_1_codes()),
        description="Language the case is written in (ISO 639-1), e.g. ja",
        **_MANY,
    ),
    OpenApiParameter("period_from", OpenApiTypes.DATE, description="Incident active on or after"),
    OpenApiParameter("period_to", OpenApiTypes.DATE, description="Incident active on or before"),
]


@extend_schema(tags=["cases"])
class CaseFacetsView(APIView):
    """Facet counts for a query over the published cases you may read."""

    @extend_schema(
        operation_id="cases_facets",
        parameters=SEARCH_PARAMETERS,
        responses=FacetCountsSerializer,
    )
    def get(self, request):
        filterset = CaseStudyFilterSet.for_reader(request.query_params, actor=request.user)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        found = capped_count(filterset.qs)
        facets = [
            {
                "family": facet.family,
                "title": facet.title,
                "values": [
                    {
                        "parameter": value.name,
                        "value": value.value,
                        "label": value.label,
                        "count": value.count,
                        "selected": value.selected,
                    }
                    for value in facet.values
                ],
            }
            for facet in case_facets(filterset)
        ]
        data = {"count": min(found, COUNT_CAP), "count_capped": found > COUNT_CAP, "facets": facets}
        return Response(FacetCountsSerializer(data).data)
