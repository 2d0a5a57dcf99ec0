"""API v1 for a case's similar cases and its links to related cases:

- ``GET /api/v1/cases/{uuid}/similar/``: up to five published cases you may read that share
  the most specific terms and words with it (``practices.insights.similar``);
- ``GET /api/v1/cases/{uuid}/links/``: its links, both directions, that you may see (both
  cases readable); ``POST`` links it to another case; ``DELETE …/links/{link_uuid}/`` removes a
  link (``practices.insights.services`` decides who may).

A case you may not read answers 404, like a case that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.permissions import two_factor_missing
from practices.api.cases import Conflict
from practices.api.serializers import WRITABLE_TLP_CHOICES
from practices.audit.records import person_of
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_owns
from practices.cases.rendering import originator_render
from practices.cases.representation import OriginatorSerializer
from practices.exceptions import LinkExists, LinkRefused
from practices.insights import links, services
from practices.insights.models import CaseLink
from practices.insights.similar import similar_cases


class CaseRefSerializer(serializers.Serializer):
    """Another case, as a list names it: what a reader of both may learn at a glance."""

    uuid = serializers.UUIDField()
    title = serializers.CharField()
    tlp = serializers.ChoiceField(choices=WRITABLE_TLP_CHOICES)  # the cases' own enum
    originator = OriginatorSerializer(help_text='Anonymised: only the region ("a partner").')
    url = serializers.URLField()


class SimilarCaseSerializer(CaseRefSerializer):
    score = serializers.FloatField(
        help_text="The shared terms, each weighted by its rarity (log(1 + (N - df + 0.5) / "
        "(df + 0.5))), plus at most 1 for shared words. Higher is more similar; compare only "
        "within one answer."
    )
    shared_terms = serializers.IntegerField()


class SimilarListSerializer(serializers.Serializer):
    results = SimilarCaseSerializer(many=True, help_text="At most 5, most similar first.")


class CaseLinkSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CaseLink.Kind.choices)
    direction = serializers.ChoiceField(
        choices=[("outgoing", "outgoing"), ("incoming", "incoming")],
        help_text="outgoing: this case → `case` (e.g. this case amplified it); incoming: "
        "`case` → this case.",
    )
    case = CaseRefSerializer(help_text="The case at the other end.")
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    removable = serializers.BooleanField(help_text="Whether you may remove it.")


class CaseLinkListSerializer(serializers.Serializer):
    results = CaseLinkSerializer(many=True)


class CaseLinkCreateSerializer(serializers.Serializer):
    to_case = serializers.RegexField(
        links.UUID_PATTERN,
        max_length=300,
        help_text="The related case: its UUID, or the URL of its page or API. A case you may "
        "not read answers 404, like one that does not exist.",
        error_messages={"invalid": _("Enter the address of a case page, or a case's identifier.")},
    )
    kind = serializers.ChoiceField(choices=CaseLink.Kind.choices)
    note = serializers.CharField(
        max_length=services.NOTE_MAX, required=False, allow_blank=True, default=""
    )


def _readable_case(request, uuid) -> CaseStudy:
    case = (
        CaseStudy.objects.for_reader(request.user)
        .prefetch_related("terms")
        .filter(uuid=uuid)
        .first()
    )
    if case is None:
        raise exceptions.NotFound(_("No such resource."))
    return case


def _case_ref(request, case: CaseStudy) -> dict:
    return {
        "uuid": case.uuid,
        "title": case.title,
        "tlp": case.tlp,
        "originator": originator_render(case),
        "url": reverse("api:case-detail", args=[case.uuid], request=request),
    }


def _link(request, shown: links.ShownLink) -> dict:
    return {
        "uuid": shown.link.uuid,
        "kind": shown.link.kind,
        "direction": "outgoing" if shown.outgoing else "incoming",
        "case": _case_ref(request, shown.other),
        "note": shown.link.note,
        "created_at": shown.link.created_at,
        "removable": shown.removable,
    }


def _two_factor(request, case: CaseStudy) -> None:
    # A moderator's power (linking another organisation's case) needs two-factor set up, as
    # on the pages; tokens act for their organisation only, and have no second factor.
    person = person_of(request.user)
    if person is not None and not actor_owns(person, case) and two_factor_missing(person):
        raise exceptions.PermissionDenied(_("Set up two-factor authentication first."))


_CASE = OpenApiParameter("uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)
_LINK = OpenApiParameter("link_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema(tags=["cases"], parameters=[_CASE])
class SimilarCasesView(APIView):
    @extend_schema(operation_id="cases_similar", responses=SimilarListSerializer)
    def get(self, request, uuid):
        """Up to five published cases you may read that share the most specific terms (rare
        ones weigh more) and words with this one; empty when none shares any."""
        case = _readable_case(request, uuid)
        found = similar_cases(actor=request.user, case_study=case)
        results = [
            {
                **_case_ref(request, s.case),
                "score": round(s.score, 4),
                "shared_terms": s.shared_terms,
            }
            for s in found
        ]
        return Response(SimilarListSerializer({"results": results}).data)


@extend_schema(tags=["cases"], parameters=[_CASE])
class CaseLinksView(APIView):
    @extend_schema(operation_id="cases_links_list", responses=CaseLinkListSerializer)
    def get(self, request, uuid):
        """The case's links to and from other cases, shown only when you may read both."""
        case = _readable_case(request, uuid)
        shown = links.case_link_list(actor=request.user, case_study=case)
        return Response(
            CaseLinkListSerializer({"results": [_link(request, s) for s in shown]}).data
        )

    @extend_schema(
        operation_id="cases_links_create",
        request=CaseLinkCreateSerializer,
        responses={201: CaseLinkSerializer},
    )
    def post(self, request, uuid):
        """Link this case to another you may read (write scope): members of the case's
        organisation, and moderators. The same link (cases and kind) is refused twice (409)."""
        case = _readable_case(request, uuid)
        data = CaseLinkCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _two_factor(request, case)
        target = links.case_by_reference(actor=request.user, text=data.validated_data["to_case"])
        try:
            link = services.case_link_create(
                actor=request.user,
                from_case=case,
                to_case=target,
                kind=data.validated_data["kind"],
                note=data.validated_data["note"],
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except LinkExists as exc:
            raise Conflict(str(exc)) from exc
        except LinkRefused as exc:
            if exc.field == "to_case" and target is None:
                # The other case is missing or unreadable: the same 404 as for the case itself.
                raise exceptions.NotFound(str(exc)) from exc
            raise exceptions.ValidationError({exc.field or "non_field_errors": [str(exc)]}) from exc
        shown = next(
            s
            for s in links.case_link_list(actor=request.user, case_study=case)
            if s.link.pk == link.pk
        )
        return Response(CaseLinkSerializer(_link(request, shown)).data, status=201)


@extend_schema(tags=["cases"], parameters=[_CASE, _LINK])
class CaseLinkDetailView(APIView):
    @extend_schema(
        operation_id="cases_links_destroy",
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request, uuid, link_uuid):
        """Remove a link (write scope): the organisation that made it, and moderators."""
        case = _readable_case(request, uuid)
        link = links.case_link_get(actor=request.user, case_study=case, link_uuid=link_uuid)
        if link is None:
            raise exceptions.NotFound(_("No such resource."))
        _two_factor(request, link.from_case)
        try:
            services.case_link_delete(actor=request.user, link=link)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
