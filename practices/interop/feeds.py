"""The MISP feed: ``/feeds/misp/manifest.json`` and ``/feeds/misp/<uuid>.json``.

A MISP instance subscribes to it as a feed of the "MISP Feed" format, with the token in the
feed's headers (``Authorization: Bearer <token>``; Basic with the token as password works too).
It serves exactly what the TAXII ``cases`` collection serves: the published cases the token's
organisation may read, AMBER+STRICT excepted (``practices.interop.selectors``). Errors are the
API's problem documents; an event that is not served is a 404 like one that does not exist.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext

from portal.api_errors import PROBLEM_CONTENT_TYPE, problem
from practices.interop import misp, selectors
from practices.interop.auth import BadCredentials, NoCredentials, token_actor


def _json(body, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _problem(status: int, detail: str) -> HttpResponse:
    response = _json(problem(status, detail), status, PROBLEM_CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api", Basic realm="api"'
    return response


def _actor(request):
    try:
        return token_actor(request), None
    except NoCredentials:
        return None, _problem(401, gettext("Authentication credentials were not provided."))
    except BadCredentials:
        return None, _problem(401, gettext("The token is not valid."))


def manifest(request):
    actor, refused = _actor(request)
    if refused:
        return refused
    cases = list(selectors.served_cases(actor).order_by("-published_at", "-id"))
    return _json(
        {payload["Event"]["uuid"]: misp.manifest_entry(payload) for payload in misp.events(cases)}
    )


def event(request, uuid):
    actor, refused = _actor(request)
    if refused:
        return refused
    case = selectors.served_cases(actor).filter(uuid=uuid).first()
    if case is None:
        return _problem(404, gettext("No such resource."))
    return _json(misp.events([case])[0])
