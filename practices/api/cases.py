"""API v1 for case studies: read what you may, draft and submit, moderate.

Every queryset starts from ``CaseStudy.objects.for_reader(actor)``; the services decide what
may be written, exactly as for the pages.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.permissions import two_factor_missing
from portal.api import FileRenderer
from practices.api.filters import CaseStudyApiFilterSet
from practices.api.serializers import (
    CaseStudySerializer,
    CaseStudyUpdateSerializer,
    CaseStudyWriteSerializer,
    DecisionSerializer,
)
from practices.cases import selectors, services
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_owns
from practices.cases.rendering import cases_render
from practices.cases.views import attachment_file_response
from practices.exceptions import IncompleteCase, PracticesError, StaleEdit, TransitionRefused
from practices.moderation import transitions


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The resource changed state; read it again.")
    default_code = "conflict"


class IncompleteDraft(Conflict):
    """A well-formed submit of a draft that is not complete yet: the request is fine, the
    draft's state is not (409, like any other state conflict), and `errors` says what to add."""

    default_code = "incomplete"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            _("The draft is not complete; add what `errors.missing` lists, then submit.")
        )
        self.errors = {"missing": missing}


def readable_cases(actor):
    """Cases the actor may read, anonymisation decided; ``cases_render`` loads the rest."""
    return CaseStudy.objects.for_reader(actor)


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

    def filter_queryset(self, queryset):
        # The list's filters are for the list: on one case django-filter would still build
        # its form for every request (a fifth of a detail's time), to filter nothing.
        # Likewise an unfiltered list (what a consumer pages through) skips it: the filterset
        # would deep-copy its filters and validate a form for no filter at all.
        if self.action != "list" or self.filterset_class.base_filters.keys().isdisjoint(
            self.request.query_params
        ):
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actor": self.request.user}

    # CaseStudySerializer describes the output (the schema); cases_render produces it, the
    # same bytes without serializer machinery. No docstrings on list/retrieve: the schema
    # takes an action's docstring as its description.

    def _render(self, cases) -> list[dict]:
        return cases_render(cases, actor=self.request.user, request=self.request)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._render(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._render([self.get_object()])[0])

    def _out(self, case: CaseStudy, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(self._render([fresh])[0], status=status_code)

    @extend_schema(request=CaseStudyWriteSerializer, responses={201: CaseStudySerializer})
    def create(self, request, *args, **kwargs):
        """Create a draft for your organisation (write scope)."""
        data = CaseStudyWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # create and fill in one go: nothing half-saved
                case = services.case_study_create(
                    actor=request.user, title=data.validated_data["title"], filled_next=True
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
        if not actor_owns(request.user, case):
            raise exceptions.NotFound(_("No such resource."))
        data = CaseStudyUpdateSerializer(data=request.data, partial=True, context={"case": case})
        data.is_valid(raise_exception=True)
        if "version" not in data.validated_data:
            raise exceptions.ValidationError({"version": [_("This field is required.")]})
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
                _(
                    "The case changed since the version you sent (it is now version "
                    "%(version)s). Nothing was saved: read it again and reapply."
                )
                % {"version": exc.current_version}
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
        if not actor_owns(request.user, case):
            raise exceptions.NotFound(_("No such resource."))
        try:
            transitions.case_study_submit(actor=request.user, case_study=case)
        except IncompleteCase as exc:
            raise IncompleteDraft(exc.missing) from exc
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        return self._out(case)

    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, as an attachment, with the type it was accepted as.",
            )
        },
        operation_id="cases_attachment_download",
        parameters=[
            OpenApiParameter("attachment_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH),
            # DRF's ?format= override: the file is the only answer, so it is not offered.
            OpenApiParameter("format", exclude=True),
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_uuid>[^/.]+)",
        url_name="attachment",
        renderer_classes=[JSONRenderer, FileRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def attachment(self, request, uuid=None, attachment_uuid=None) -> FileResponse:
        """Download an attachment of a case you may read (the same rule as the case itself)."""
        try:
            case_uuid, file_uuid = uuid_lib.UUID(uuid), uuid_lib.UUID(attachment_uuid)
        except ValueError as exc:
            raise exceptions.NotFound(_("No such resource.")) from exc
        # The page's selector: visible_to decides, and anything else is the same 404.
        attachment = selectors.attachment_get(
            actor=request.user, case_uuid=case_uuid, attachment_uuid=file_uuid
        )
        return attachment_file_response(actor=request.user, attachment=attachment)

    def _decide(self, request, name: str, service) -> Response:
        case = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transition = transitions.TRANSITIONS[name]
        if not transitions.has_role(request.user, case, transition.role):
            raise exceptions.PermissionDenied(transitions.REFUSALS[name]["role"])
        if two_factor_missing(request.user):
            # The same rule as the pages: privileged people act only with two-factor set up.
            raise exceptions.PermissionDenied(_("Set up two-factor authentication first."))
        if transition.needs_comment and not data.validated_data["comment"].strip():
            raise exceptions.ValidationError({"comment": [_("A comment is required for this.")]})
        try:
            service(actor=request.user, case_study=case, comment=data.validated_data["comment"])
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        return self._out(case)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, uuid=None):
        """Moderators (signed-in session): return a submission with a comment."""
        return self._decide(request, "request_changes", transitions.case_study_request_changes)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, uuid=None):
        """Moderators (signed-in session): approve; publishes when enough approvals."""
        return self._decide(request, "publish", transitions.case_study_approve)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        """Moderators (signed-in session): reject with a reason."""
        return self._decide(request, "reject", transitions.case_study_reject)

    @extend_schema(request=DecisionSerializer, responses=CaseStudySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        """The originating organisation's admin or a moderator (session): withdraw."""
        return self._decide(request, "withdraw", transitions.case_study_withdraw)
