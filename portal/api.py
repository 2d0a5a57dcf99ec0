"""What every API endpoint shares: throttling, pagination, permissions, the JSON parser
(errors: api_errors)."""

from __future__ import annotations

import codecs
import json
import logging

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, permissions, renderers, serializers, status, throttling
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils import json as drf_json

from accounts.authentication import TokenActor
from portal.degraded import warn_degraded

logger = logging.getLogger(__name__)

# No request body of ours nests deeper than a case's references (object → list → object);
# anything much deeper is an attack on the parser, not data.
JSON_MAX_DEPTH = 32


class ActorRateThrottle(throttling.SimpleRateThrottle):
    """Per token, or per signed-in person, or per address; rates by scope in settings."""

    def __init__(self) -> None:
        # The scope (and so the rate) depends on who is asking; it is set per request.
        self.rate = None

    @staticmethod
    def _scope_and_ident(request, view) -> tuple[str, str]:
        user = request.user
        if isinstance(user, TokenActor):
            return "token", f"token:{user.token.pk}"
        if user and user.is_authenticated:
            return "user", f"user:{user.pk}"
        return "anon", ""

    def allow_request(self, request, view) -> bool:
        self.scope, _ = self._scope_and_ident(request, view)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            # The counters live in the cache. Our Redis cache falls back to local memory by
            # itself (portal/cache.py); any other cache that fails must not take the API
            # down with it, so the request goes through unthrottled (fail open).
            warn_degraded(
                logger,
                "throttle-cache",
                "API throttling is off: the cache failed (%s)",
                type(exc).__name__,
            )
            return True

    def get_cache_key(self, request, view) -> str:
        scope, ident = self._scope_and_ident(request, view)
        return self.cache_format % {"scope": scope, "ident": ident or self.get_ident(request)}


class TokenCanWrite(permissions.BasePermission):
    """Writes need the token's write scope; people signed in on the site may write as members."""

    message = _("This token has the read scope only; writing needs a token with the write scope.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.user, TokenActor):
            return request.user.token.write_enabled
        return bool(request.user and request.user.is_authenticated)


class IsOrganisationMember(permissions.BasePermission):
    """A token, or a person who belongs to an active organisation."""

    message = _("Only members of a partner organisation can use the API.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        organisation = getattr(user, "organisation", None) if user else None
        return bool(user.is_authenticated and organisation is not None and organisation.is_active)


# The JSON type each kind of DRF field must receive; DRF would turn 1.5 into "1.5" for a
# CharField, "3" into 3 for an IntegerField and "yes" into True for a BooleanField.
_JSON_TYPES: list[tuple[type, tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), _("true or false")),
    (serializers.IntegerField, (int,), _("a whole number")),
    (serializers.CharField, (str,), _("a string")),
    (serializers.DateField, (str,), _("a date string (YYYY-MM-DD)")),
    (serializers.ChoiceField, (str,), _("a string")),
    (serializers.ListField, (list,), _("a list")),
]


def _json_type_error(field: serializers.Field, value) -> str | list | None:
    if value is None:
        return None  # allow_null decides
    for kind, types, wanted in _JSON_TYPES:
        if isinstance(field, kind):
            if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
                return gettext("Must be %(type)s, as the schema says.") % {"type": wanted}
            if isinstance(field, serializers.ListField) and field.child is not None:
                errors = {
                    i: [error]
                    for i, item in enumerate(value)
                    if (error := _json_type_error(field.child, item))
                }
                return errors or None
            return _too_long(field, value)
    return None


def _too_long(field: serializers.Field, value) -> str | None:
    # Counted as sent, as JSON Schema's maxLength counts: before whitespace is trimmed or line
    # endings normalised, so that nothing the schema calls too long is ever accepted.
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and limit and len(value) > limit:
        return field.error_messages["max_length"].format(max_length=limit)
    return None


# Takes each field only in the JSON type the schema gives it, as the schema promises; a value of
# another type is a 400 naming the field, not silently converted. (A comment, not a docstring:
# drf-spectacular would print a docstring as the description of every serializer using it.)
class StrictJSONTypesMixin:
    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                error = _json_type_error(field, data.get(name))
                if error:
                    errors[name] = error if isinstance(error, dict) else [error]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(
            gettext(
                "The request body is larger than %(megabytes)s MB (%(bytes)s bytes); send less, "
                "e.g. shorter texts or fewer references."
            )
            % {"megabytes": limit // (1024 * 1024), "bytes": limit}
        )


def _too_deep(limit: int) -> str:
    return gettext(
        "The JSON body nests more than %(limit)s levels deep; send the documented shape of "
        "this resource."
    ) % {"limit": limit}


def json_shape_problem(value, limit: int) -> str | None:
    """What makes parsed JSON unusable, or None: nesting deeper than ``limit`` (walked without
    recursion), or text with a lone surrogate ("\\udc00" parses, but is not Unicode text and
    cannot be stored)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return gettext(
                        "The JSON body holds a lone surrogate (\\ud800–\\udfff); send UTF-8 text."
                    )
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return _too_deep(limit)
        stack.extend((child, depth + 1) for child in children)
    return None


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with the two bounds it lacks: body size (413, the same limit the pages
    apply) and nesting depth (400: the standard decoder recurses and would raise RecursionError).
    Written here because DRF and the standard library offer neither bound."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        if request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestTooLarge
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except LookupError as exc:
            raise ParseError(
                gettext("Unknown charset %(charset)r; send UTF-8.") % {"charset": encoding}
            ) from exc
        except ValueError as exc:
            raise ParseError(
                gettext("The body is not %(charset)s text: %(error)s.")
                % {"charset": encoding, "error": exc}
            ) from exc
        try:
            constant = drf_json.strict_constant if self.strict else None
            data = drf_json.loads(text, parse_constant=constant)
        except RecursionError as exc:
            raise ParseError(_too_deep(JSON_MAX_DEPTH)) from exc
        except ValueError as exc:
            raise ParseError(
                gettext("The body is not valid JSON: %(error)s.") % {"error": exc}
            ) from exc
        problem = json_shape_problem(data, JSON_MAX_DEPTH)
        if problem:
            raise ParseError(problem)
        return data


class FileRenderer(renderers.BaseRenderer):
    """Lets a download answer whatever type the client accepts; errors stay JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (dict, list)):
            return json.dumps(data).encode()
        return data


class StrictCursorPagination(CursorPagination):
    """A forged or stale cursor, or a ``limit`` outside 1..max_page_size, is a bad request (400)
    with the reason, never silently replaced by the default."""

    page_size_query_param = "limit"
    cursor_query_description = "Opaque: the `cursor` of the previous page's `next` link."
    example_path = "/api/v1/cases/"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({"cursor": [gettext("This cursor is not valid.")]}) from exc

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return limit_parse(raw, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, 1–{self.max_page_size} (default {self.page_size})."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def get_paginated_response_schema(self, schema) -> dict:
        response = super().get_paginated_response_schema(schema)
        # DRF's placeholder (api.example.org/accounts) tells a reader nothing about ours.
        base = f"https://exchange.example.org{self.example_path}?{self.cursor_query_param}="
        response["properties"]["next"]["example"] = base + "cD0yMDI2LTAxLTE1"
        response["properties"]["previous"]["example"] = base + "cj0xJnA9MjAyNi0wMS0xNA"
        return response


def limit_parse(raw: str, *, maximum: int) -> int:
    """``?limit=`` as a whole number from 1 to ``maximum``, or a 400 that says so."""
    # Only a few plain digits: int() would also take "+5", " 5" and "5_0", and refuses (with an
    # error of its own) numbers of more than 4300 digits.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not 1 <= value <= maximum:
        raise ValidationError(
            {
                "limit": [
                    gettext("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
                ]
            }
        )
    return value


class CasePagination(StrictCursorPagination):
    page_size = 50
    max_page_size = 500
    ordering = ("-created_at", "-id")


class NamePagination(StrictCursorPagination):
    """Directory-like lists (vocabularies, organisations), in slug order."""

    page_size = 100
    max_page_size = 500
    ordering = ("slug",)
    example_path = "/api/v1/organisations/"
