"""API v1 for the controlled vocabularies and their terms."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action

from portal.api import NamePagination, StrictCursorPagination
from practices.api.serializers import (
    TaxonomySerializer,
    TermSerializer,
)
from practices.cases.models import CaseStudy
from practices.vocabularies.models import Taxonomy, Term


class TermPagination(StrictCursorPagination):
    page_size = 200
    page_size_query_param = "limit"
    max_page_size = 1000
    ordering = ("id",)


@extend_schema(tags=["vocabularies"])
class TaxonomyViewSet(viewsets.ReadOnlyModelViewSet):
    """The controlled vocabularies cases are tagged with."""

    queryset = Taxonomy.objects.all()
    serializer_class = TaxonomySerializer
    lookup_field = "slug"
    pagination_class = NamePagination

    @extend_schema(
        responses=TermSerializer(many=True),
        parameters=[OpenApiParameter("active", bool, description="true: only terms offered now")],
    )
    @action(detail=True, methods=["get"], pagination_class=TermPagination)
    def terms(self, request, slug=None):
        """The terms of one vocabulary (DISARM terms carry the framework's attribution)."""
        taxonomy = self.get_object()
        terms = Term.objects.filter(taxonomy=taxonomy).select_related("taxonomy", "parent")
        if taxonomy.slug == "keyword":
            # Free keywords summarise the cases they were typed on: list only those used on
            # cases this reader may see, or the list would reveal the others.
            terms = terms.used_on(CaseStudy.objects.visible_to(request.user))
        active = request.query_params.get("active")
        if active not in (None, "true", "false"):
            raise exceptions.ValidationError({"active": ["Give true or false."]})
        if active == "true":
            terms = terms.filter(is_active=True)
        page = self.paginate_queryset(terms)
        return self.get_paginated_response(TermSerializer(page, many=True).data)
