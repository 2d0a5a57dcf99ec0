"""One error shape for the whole API: RFC 9457 problem details."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal import unavailable

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "https://practice-exchange.invalid/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Human-readable, so in the reader's language (Accept-Language); ``type`` and ``code`` stay fixed.
TITLES = {
    400: _("Invalid request"),
    401: _("Not authenticated"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    429: _("Too many requests"),
    500: _("Server error"),
    503: _("Service unavailable"),
}


def problem(status: int, detail: str, *, errors=None, code: str = "") -> dict:
    """An RFC 9457 problem document."""
    body = {
        "type": PROBLEM_TYPE + (code or str(status)),
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": str(detail),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    """Every error, whatever raised it, as application/problem+json with the same fields."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(gettext("No such resource."))
    if unavailable.database_unavailable(exc):
        unavailable.log_outage(exc)
        response = Response(
            unavailable.unavailable_problem(),
            status=503,
            headers={"Retry-After": str(unavailable.RETRY_AFTER_SECONDS)},
        )
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before our parser sees it; the same answer as the parser's.
        from portal.api import RequestTooLarge

        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        response = Response(
            problem(500, gettext("Something went wrong on our side; it was logged.")), status=500
        )
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        body = problem(
            400,
            gettext("The request has invalid fields; see errors."),
            errors=errors,
            code="validation",
        )
    else:
        detail = (
            response.data.get("detail", "")
            if isinstance(response.data, dict)
            else str(response.data)
        )
        body = problem(
            response.status_code,
            str(detail),
            errors=getattr(exc, "errors", None),  # e.g. what a draft still lacks (409)
            code=getattr(exc, "default_code", ""),
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def not_found_json(request, exception=None):
    """404 for unrouted /api/ paths, in the same shape as any other API error."""
    return JsonResponse(
        problem(404, gettext("No such resource."), code="not_found"),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
