"""API v1 exports of cases in the formats threat-intelligence platforms read:

- ``GET /api/v1/cases/{uuid}/stix/``: the case as a STIX 2.1 bundle;
- ``GET /api/v1/cases/stix/?<the list's filters>``: the matching cases (newest first, ``limit``
  of them) as one bundle;
- ``GET /api/v1/cases/{uuid}/misp/``: the case as a MISP event.

Cases come from ``for_reader`` like every other API answer: a case you may not read is a 404,
and an anonymised case keeps its originator hidden. Here AMBER+STRICT is served to whoever may
read it, as by the rest of the API (the reader asked for that very case); the TAXII server and
the MISP feed, which exist to be mirrored onward, never serve it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import limit_parse
from practices.api.cases import readable_cases
from practices.api.filters import CaseStudyApiFilterSet
from practices.interop import misp, stix

SEARCH_MAX_LIMIT = 500

_OBJECTS_HELP = (
    "STIX 2.1 objects: the TLP 2.0 marking-definitions used, then per case a report, the "
    "originator's identity, attack-patterns, courses of action, relationships, locations, "
    "threat actors and notes."
)
BundleSerializer = inline_serializer(
    "StixBundle",
    {
        "type": serializers.ChoiceField(choices=["bundle"]),
        "id": serializers.RegexField(r"^bundle--[0-9a-f-]{36}$"),
        "objects": serializers.ListField(child=serializers.DictField(), help_text=_OBJECTS_HELP),
    },
)
MispEventSerializer = inline_serializer(
    "MispEvent",
    {
        "Event": serializers.DictField(
            help_text=(
                "uuid, info, date, threat_level_id, analysis, distribution, published, "
                "timestamp, publish_timestamp, Orgc {name, uuid}, Tag [{name, colour, "
                "exportable}], Attribute [{uuid, type, category, value, comment, to_ids, "
                "distribution, timestamp}]"
            )
        )
    },
)


def _case(request, uuid):
    case = readable_cases(request.user).filter(uuid=uuid).first()
    if case is None:
        raise exceptions.NotFound(_("No such resource."))
    return case


@extend_schema(tags=["interop"])
class CaseStixView(APIView):
    """The case as a STIX 2.1 bundle: the same bytes for an unchanged case."""

    @extend_schema(responses=BundleSerializer, operation_id="cases_stix_retrieve")
    def get(self, request, uuid):
        case = _case(request, uuid)
        return Response(stix.bundle([case], name=f"case/{case.uuid}"))


@extend_schema(tags=["interop"])
class CaseMispView(APIView):
    """The case as a MISP event (TLP and DISARM galaxy tags, references as attributes)."""

    @extend_schema(responses=MispEventSerializer, operation_id="cases_misp_retrieve")
    def get(self, request, uuid):
        return Response(misp.events([_case(request, uuid)])[0])


@extend_schema(tags=["interop"])
class CaseSearchStixView(GenericAPIView):
    """Cases matching the list's filters, newest first, as one STIX 2.1 bundle."""

    filterset_class = CaseStudyApiFilterSet
    pagination_class = None

    def get_queryset(self):
        return readable_cases(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_LIMIT, "default": 100},
                description=f"Cases to export, 1–{SEARCH_MAX_LIMIT} (default 100), newest first",
            ),
        ],
        responses=BundleSerializer,
        operation_id="cases_stix_search",
        filters=True,  # the list's filters, though this is not a paginated list
    )
    def get(self, request):
        raw_limit = request.query_params.get("limit")
        limit = 100 if raw_limit is None else limit_parse(raw_limit, maximum=SEARCH_MAX_LIMIT)
        cases = list(self.filter_queryset(self.get_queryset())[:limit])
        return Response(stix.bundle(cases, name="search/" + request.GET.urlencode()))
