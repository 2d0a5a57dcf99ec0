"""503 with Retry-After, instead of a 500, while the database cannot be reached.

Pages get ``503.html``, rendered without a request: no context processor, session or user
lookup runs, since each of those would need the database that is down. The API gets an RFC
9457 problem document (``portal.api_errors`` calls ``api_unavailable`` for errors inside DRF
views).
"""

from __future__ import annotations

import logging
import sys

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.views import defaults

from portal.degraded import warn_degraded

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a bug in a query).

    A refused or lost connection leaves no usable connection behind; an error inside a live
    connection (a constraint, a typo in SQL) is a bug and stays a 500.
    """
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    raw = connections[DEFAULT_DB_ALIAS].connection
    return raw is None or bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))


def log_outage(exc: BaseException) -> None:
    warn_degraded(logger, "database", "Database unreachable (%s); answering 503", exc)


def unavailable_problem() -> dict:
    from portal.api_errors import problem

    return problem(
        503,
        gettext(
            "The database cannot be reached right now; nothing was changed. "
            "Try again in %(seconds)s seconds."
        )
        % {"seconds": RETRY_AFTER_SECONDS},
        code="unavailable",
    )


def api_unavailable() -> JsonResponse:
    from portal.api_errors import PROBLEM_CONTENT_TYPE

    response = JsonResponse(unavailable_problem(), status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_unavailable() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    return api_unavailable() if request.path.startswith("/api/") else page_unavailable()


class DatabaseUnavailableMiddleware:
    """Turns a database outage raised by a view into 503 (with DEBUG on too)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not database_unavailable(exception):
            return None
        log_outage(exception)
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage raised outside a view (in middleware) is a 503 too."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        log_outage(exc)
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        from portal.api_errors import PROBLEM_CONTENT_TYPE, problem

        return JsonResponse(
            problem(500, gettext("Something went wrong on our side; it was logged.")),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    return defaults.server_error(request)
