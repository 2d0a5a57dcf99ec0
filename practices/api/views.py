"""API v1 for case studies, vocabularies and the change feed.

Every queryset starts from ``CaseStudy.objects.for_reader(actor)``; the services decide what
may be written, exactly as for the pages.
"""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import two_factor_missing
from portal.api import StrictCursorPagination
from practices import feed, moderation, services
from practices.api.filters import CaseStudyApiFilterSet
from practices.api.serializers import (
    CaseStudySerializer,
    CaseStudyUpdateSerializer,
    CaseStudyWriteSerializer,
    DecisionSerializer,
    FeedPageSerializer,
    TaxonomySerializer,
    TermSerializer,
)
from practices.exceptions import IncompleteCase, PracticesError, StaleEdit
from practices.models import Attachment, CaseStudy, Taxonomy, Term
from practices.moderation import TransitionRefused


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed state; read it again."
    default_code = "conflict"


def readable_cases(actor):
    """Cases the actor may read, with everything the serializer touches, in constant queries."""
    return CaseStudy.objects.for_reader(actor).prefetch_related(
        Prefetch("terms", queryset=Term.objects.select_related("taxonomy")),
        "references",
        "recipients",
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at")),
    )


def _validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    )


@extend_schema(tags=["cases"])
class CaseStudyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Case studies you may read; drafts of your organisation may be created and changed."""

    lookup_field = "uuid"
    serializer_class = CaseStudySerializer
    filterset_class = CaseStudyApiFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return readable_cases(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.request.user}

    def _out(self, case: CaseStudy, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(request=CaseStudyWriteSerializer, responses={201: CaseStudySerializer})
    def create(self, request, *args, **kwargs):
        """Create a draft for your organisation (write scope)."""
        data = CaseStudyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # create and fill in one go: nothing half-saved
                case = services.case_study_create(
                    actor=request.user, title=data.validated_data["title"]
                )
                case = services.case_study_update(
                    actor=request.user,
                    case_study=case,
                    expected_version=case.version,
                    **data.service_arguments(),
                )
        except DjangoValidationError as exc:
            raise _validation(exc) from exc
        return self._out(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseStudyUpdateSerializer, responses=CaseStudySerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change a draft of your organisation; send the `version` you read (write scope)."""
        case = self.get_object()
        if case.organisation_id != request.user.organisation_id:
            raise exceptions.NotFound("No such resource.")
        data = CaseStudyUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "version" not in data.validated_data:
            raise exceptions.ValidationError({"version": ["This field is required."]})
        try:
            with transaction.atomic():  # keywords made for a refused save must not stay
                case = services.case_study_update(
                    actor=request.user,
                    case_study=case,
                    expected_version=data.validated_data["version"],
                    **data.service_arguments(),
                )
        except StaleEdit as exc:
            raise Conflict(
                f"The case changed since the version you sent (it is now version "
                f"{exc.current_version}). Nothing was saved: read it again and reapply."
            ) from exc
        except DjangoValidationError as exc:
            raise _validation(exc) from exc
        except PracticesError as exc:
            raise Conflict(str(exc)) from exc
        return self._out(case)

    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("PUT")

    @extend_schema(request=None, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, uuid=None):
        """Send a complete draft to the moderators (write scope)."""
        case = self.get_object()
        if case.organisation_id != request.user.organisation_id:
            raise exceptions.NotFound("No such resource.")
        try:
            moderation.case_study_submit(actor=request.user, case_study=case)
        except IncompleteCase as exc:
            raise exceptions.ValidationError({"missing": exc.missing}) from exc
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        return self._out(case)

    def _decide(self, request, name: str, service) -> Response:
        case = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transition = moderation.TRANSITIONS[name]
        if not moderation.has_role(request.user, case, transition.role):
            raise exceptions.PermissionDenied(f"Only {transition.role.value} can do this.")
        if two_factor_missing(request.user):
            # The same rule as the pages: privileged people act only with two-factor set up.
            raise exceptions.PermissionDenied("Set up two-factor authentication first.")
        if transition.needs_comment and not data.validated_data["comment"].strip():
            raise exceptions.ValidationError({"comment": ["A comment is required for this."]})
        try:
            service(actor=request.user, case_study=case, comment=data.validated_data["comment"])
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        return self._out(case)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, uuid=None):
        """Moderators (signed-in session): return a submission with a comment."""
        return self._decide(request, "request_changes", moderation.case_study_request_changes)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, uuid=None):
        """Moderators (signed-in session): approve; publishes when enough approvals."""
        return self._decide(request, "publish", moderation.case_study_approve)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        """Moderators (signed-in session): reject with a reason."""
        return self._decide(request, "reject", moderation.case_study_reject)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        """The originating organisation's admin or a moderator (session): withdraw."""
        return self._decide(request, "withdraw", moderation.case_study_withdraw)


class TermPagination(StrictCursorPagination):
    page_size = 200
    page_size_query_param = "limit"
    max_page_size = 1000
    ordering = ("id",)


class NamePagination(StrictCursorPagination):
    page_size = 100
    ordering = ("slug",)


@extend_schema(tags=["vocabularies"])
class TaxonomyViewSet(viewsets.ReadOnlyModelViewSet):
    """The controlled vocabularies cases are tagged with."""

    queryset = Taxonomy.objects.all()
    serializer_class = TaxonomySerializer
    lookup_field = "slug"
    pagination_class = NamePagination

    @extend_schema(
        responses=TermSerializer(many=True),
        parameters=[OpenApiParameter("active", bool, description="Only terms offered now")],
    )
    @action(detail=True, methods=["get"], pagination_class=TermPagination)
    def terms(self, request, slug=None):
        """The terms of one vocabulary (DISARM terms carry the framework's attribution)."""
        taxonomy = self.get_object()
        terms = Term.objects.filter(taxonomy=taxonomy).select_related("taxonomy", "parent")
        if taxonomy.slug == "keyword":
            # Free keywords summarise the cases they were typed on: list only those used on
            # cases this reader may see, or the list would reveal the others.
            readable = CaseStudy.objects.visible_to(request.user)
            terms = terms.filter(
                Exists(
                    CaseStudy.terms.through.objects.filter(
                        term_id=OuterRef("pk"), casestudy_id__in=readable.values("pk")
                    )
                )
            )
        if request.query_params.get("active") in ("true", "1"):
            terms = terms.filter(is_active=True)
        page = self.paginate_queryset(terms)
        return self.get_paginated_response(TermSerializer(page, many=True).data)


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, seq = text.partition(":")
        if version != "v1":
            raise ValueError
        value = int(seq)
        if value < 0:
            raise ValueError
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise exceptions.ValidationError({"cursor": ["This cursor is not valid."]}) from exc


@extend_schema(tags=["sync"])
class ChangeFeedView(APIView):
    """What changed since your cursor, in order; see practices/feed.py for the guarantees."""

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="From the previous page; omit to replay"),
            OpenApiParameter("limit", int, description="Entries to read, 1–500 (default 100)"),
        ],
        responses=FeedPageSerializer,
    )
    def get(self, request):
        after = (
            _decode_cursor(request.query_params["cursor"])
            if request.query_params.get("cursor")
            else 0
        )
        try:
            limit = min(max(int(request.query_params.get("limit", 100)), 1), 500)
        except ValueError as exc:
            raise exceptions.ValidationError({"limit": ["A whole number from 1 to 500."]}) from exc
        if after > feed.last_seq():
            # A cursor from the future (another instance, a restored backup) would silently
            # skip every change until the counter caught up: make the consumer replay instead.
            raise exceptions.ValidationError(
                {"cursor": ["This cursor is ahead of the feed; start again without a cursor."]}
            )
        page = feed.feed_page(
            actor=request.user, after=after, limit=limit, readable=readable_cases(request.user)
        )
        context = {"request": request, "actor": request.user}
        # One list serializer for the page: building a serializer per entry costs more than
        # the queries do.
        cases = [item.case for item in page.items if item.case is not None]
        shaped = iter(CaseStudySerializer(cases, many=True, context=context).data)
        results = [
            {
                "seq": item.seq,
                "uuid": item.case_uuid,
                "deleted": item.case is None,
                "case": next(shaped) if item.case is not None else None,
            }
            for item in page.items
        ]
        return Response(
            {
                "results": results,
                "next_cursor": _encode_cursor(page.last_seq),
                "has_more": page.has_more,
            }
        )
