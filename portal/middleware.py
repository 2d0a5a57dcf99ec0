"""Request guards that apply to every page and API endpoint alike."""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from portal.api_errors import PROBLEM_CONTENT_TYPE, problem

NUL = "\x00"


def _nul_in_query() -> str:
    return _(
        "The address holds a NUL character (%00) in its query string, which no search or "
        "filter can contain; remove it and try again."
    )


class RejectNulMiddleware:
    """A NUL character in the path or the query string answers 404 / 400 before any view runs.

    No slug, UUID or filter value of ours contains one, and PostgreSQL refuses NUL in text
    ("A string literal cannot contain NUL"), so letting it reach a query turns bad input into
    a 500. One check here covers every path and query parameter of every page and endpoint.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            return self._answer(request, 404, _("No such resource."))
        if any(NUL in key or any(NUL in value for value in values)
               for key, values in request.GET.lists()):  # fmt: skip
            return self._answer(request, 400, _nul_in_query())
        return self.get_response(request)

    @staticmethod
    def _answer(request: HttpRequest, status: int, detail: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            code = "not_found" if status == 404 else "validation"
            return JsonResponse(
                problem(status, detail, code=code), status=status, content_type=PROBLEM_CONTENT_TYPE
            )
        template = "404.html" if status == 404 else "400.html"
        return render(request, template, {"detail": detail}, status=status)


class PersonLanguageMiddleware:
    """A signed-in person's language preference, when they set one, is the page's language.

    Runs after ``LocaleMiddleware`` (cookie, then ``Accept-Language``, then en-gb) and after
    authentication. The language belongs to the reader, not to the URL: a link shared between
    officials opens in each one's own language. Reading ``request.user`` touches the session,
    so the response already varies on ``Cookie``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            user = getattr(request, "user", None)
            language = getattr(user, "language", "") if user is not None else ""
        except (OperationalError, InterfaceError):
            # The database is down: keep the browser's language; the view's own lookup of the
            # user raises again and answers 503 (portal.unavailable).
            user, language = None, ""
        if language and user.is_authenticated and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
