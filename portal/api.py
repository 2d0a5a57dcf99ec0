"""What every API endpoint shares: throttling, pagination, permissions (errors: api_errors)."""

from __future__ import annotations

import logging

from rest_framework import permissions, throttling
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from accounts.authentication import TokenActor
from portal.degraded import warn_degraded

logger = logging.getLogger(__name__)


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

    message = "This token has the read scope only; writing needs a token with the write scope."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.user, TokenActor):
            return request.user.token.write_enabled
        return bool(request.user and request.user.is_authenticated)


class IsOrganisationMember(permissions.BasePermission):
    """A token, or a person who belongs to an active organisation."""

    message = "Only members of a partner organisation can use the API."

    def has_permission(self, request, view) -> bool:
        user = request.user
        organisation = getattr(user, "organisation", None) if user else None
        return bool(user.is_authenticated and organisation is not None and organisation.is_active)


class StrictCursorPagination(CursorPagination):
    """A forged or stale cursor is a bad request (400), as on the change feed, not a 404."""

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({"cursor": ["This cursor is not valid."]}) from exc


class CasePagination(StrictCursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    ordering = ("-created_at", "-id")


class NamePagination(StrictCursorPagination):
    """Directory-like lists (vocabularies, organisations), in slug order."""

    page_size = 100
    ordering = ("slug",)
