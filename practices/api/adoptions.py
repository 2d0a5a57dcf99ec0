"""API v1 for adoption feedback on a case:

- ``GET /api/v1/cases/{uuid}/adoptions/``: the case's adoptions (also in the case's own
  representation, ``adoptions``); ``POST`` records that your organisation applied it (write
  scope; not the case's own organisation; published cases only);
- ``GET``/``PATCH``/``DELETE …/adoptions/{adoption_uuid}/``: one adoption; only the adopting
  organisation may change or remove it.

A case you may not read answers 404, like a case that does not exist, and so do its adoptions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import StrictJSONTypesMixin
from practices.api.cases import Conflict
from practices.cases.models import CaseStudy
from practices.cases.representation import AdoptionSerializer
from practices.exceptions import AdoptionRefused
from practices.hub import adoptions
from practices.hub.adoption_rendering import adoptions_load, adoptions_render
from practices.hub.models import ADAPTATION_MAX, WHERE_MAX


class AdoptionListSerializer(serializers.Serializer):
    results = AdoptionSerializer(many=True, help_text="Newest application first.")


class AdoptionWriteSerializer(StrictJSONTypesMixin, serializers.Serializer):
    applied_on = serializers.DateField(help_text="When it was applied; not in the future.")
    where = serializers.CharField(max_length=WHERE_MAX)
    adaptation = serializers.CharField(
        max_length=ADAPTATION_MAX, required=False, allow_blank=True, default=""
    )
    effect = serializers.ChoiceField(CaseStudy.Effectiveness.choices)
    evidence = serializers.ChoiceField(CaseStudy.Evidence.choices)
    attribution_mode = serializers.ChoiceField(
        CaseStudy.AttributionMode.choices,
        default=CaseStudy.AttributionMode.NAMED,
        help_text="anonymised: only your organisation and the moderators see its name.",
    )


class AdoptionUpdateSerializer(AdoptionWriteSerializer):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused (409)."
    )


def _readable_case(request, uuid) -> CaseStudy:
    case = CaseStudy.objects.for_reader(request.user).filter(uuid=uuid).first()
    if case is None:
        raise exceptions.NotFound(_("No such resource."))
    return case


def _one(request, case: CaseStudy, adoption_uuid) -> dict:
    for shown in adoptions_render(adoptions_load([case.pk]).get(case.pk, []), request.user):
        if shown["uuid"] == str(adoption_uuid):
            return shown
    raise exceptions.NotFound(_("No such resource."))


def _write(call):
    """Call a service; its refusals as the API's errors (nothing was saved)."""
    try:
        return call()
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(exc.message_dict) from exc
    except AdoptionRefused as exc:
        raise Conflict(str(exc)) from exc


_CASE = OpenApiParameter("uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)
_ADOPTION = OpenApiParameter("adoption_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema(tags=["cases"], parameters=[_CASE])
class CaseAdoptionsView(APIView):
    @extend_schema(operation_id="cases_adoptions_list", responses=AdoptionListSerializer)
    def get(self, request, uuid):
        """The organisations that applied this case's practice, and how it went."""
        case = _readable_case(request, uuid)
        rows = adoptions_load([case.pk]).get(case.pk, [])
        return Response({"results": adoptions_render(rows, request.user)})

    @extend_schema(
        operation_id="cases_adoptions_create",
        request=AdoptionWriteSerializer,
        responses={201: AdoptionSerializer},
    )
    def post(self, request, uuid):
        """Record that your organisation applied this case's practice (write scope). Refused
        (403) for the case's own organisation; a case that is not published answers 409."""
        case = _readable_case(request, uuid)
        data = AdoptionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        adoption = _write(
            lambda: adoptions.adoption_record(
                actor=request.user, case_study=case, **data.validated_data
            )
        )
        return Response(_one(request, case, adoption.uuid), status=status.HTTP_201_CREATED)


@extend_schema(tags=["cases"], parameters=[_CASE, _ADOPTION])
class CaseAdoptionDetailView(APIView):
    def _adoption(self, request, case, adoption_uuid):
        adoption = adoptions.adoption_get(actor=request.user, case_study=case, uuid=adoption_uuid)
        if adoption is None:
            raise exceptions.NotFound(_("No such resource."))
        return adoption

    @extend_schema(operation_id="cases_adoptions_retrieve", responses=AdoptionSerializer)
    def get(self, request, uuid, adoption_uuid):
        """One adoption of the case."""
        return Response(_one(request, _readable_case(request, uuid), adoption_uuid))

    @extend_schema(
        operation_id="cases_adoptions_partial_update",
        request=AdoptionUpdateSerializer,
        responses=AdoptionSerializer,
    )
    def patch(self, request, uuid, adoption_uuid):
        """Change your organisation's adoption (write scope)."""
        case = _readable_case(request, uuid)
        adoption = self._adoption(request, case, adoption_uuid)
        data = AdoptionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version", None)
        _write(
            lambda: adoptions.adoption_update(
                actor=request.user, adoption=adoption, expected_version=version, **changes
            )
        )
        return Response(_one(request, case, adoption_uuid))

    @extend_schema(
        operation_id="cases_adoptions_destroy",
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request, uuid, adoption_uuid):
        """Remove your organisation's adoption (write scope)."""
        case = _readable_case(request, uuid)
        adoption = self._adoption(request, case, adoption_uuid)
        _write(lambda: adoptions.adoption_delete(actor=request.user, adoption=adoption))
        return Response(status=status.HTTP_204_NO_CONTENT)
