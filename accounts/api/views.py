from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer, OrganisationSerializer
from accounts.authentication import TokenActor
from accounts.models import Organisation
from portal.api import NamePagination


@extend_schema(tags=["directory"])
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Active partner organisations (non-sensitive fields only)."""

    queryset = Organisation.objects.active()
    serializer_class = OrganisationSerializer
    lookup_field = "slug"
    pagination_class = NamePagination


@extend_schema(tags=["directory"])
class MeView(APIView):
    """Who the request acts as: the organisation, and the token's scopes or the person."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        actor = request.user
        token = actor.token if isinstance(actor, TokenActor) else None
        data = {
            "organisation": OrganisationSerializer(actor.organisation).data,
            "kind": "token" if token else "person",
            "scopes": token.scopes if token else ["read", "write"],
            "token_name": token.name if token else None,
            "token_expires_at": token.expires_at if token else None,
            "email": None if token else actor.email,
            "is_moderator": bool(actor.is_moderator),
        }
        return Response(MeSerializer(data).data)
