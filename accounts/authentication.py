"""API authentication: ``Authorization: Bearer <token>`` for machines acting for an organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, Organisation
from accounts.services import api_token_authenticate


@dataclass(frozen=True)
class OrganisationActor:
    """An organisation reading for itself, exactly like one of its members.

    It offers what ``visible_to``, the permission checks and the case serializer read from a
    person, and nothing more: it is never a moderator or an admin. API tokens and webhook
    endpoints read through it.
    """

    organisation: Organisation

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_moderator = False
    is_org_admin = False
    is_superuser = False
    is_staff = False
    pk = None
    email = ""

    @property
    def organisation_id(self) -> int:
        return self.organisation.pk

    def __str__(self) -> str:
        return self.organisation.short_name


class TokenActor(OrganisationActor):
    """Who a token request acts as: its organisation, with the token at hand for scopes."""

    def __init__(self, token: ApiToken) -> None:
        super().__init__(organisation=token.organisation)
        object.__setattr__(self, "token", token)

    def __str__(self) -> str:
        return f"token {self.token.name} ({self.organisation.short_name})"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = api_token_authenticate(raw.strip())
        if token is None:
            # One message for unknown, revoked, expired and inactive: nothing to probe.
            raise exceptions.AuthenticationFailed(gettext("The token is not valid."))
        return TokenActor(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
