"""Who a TAXII or MISP feed request acts as: an API token, sent as ``Authorization: Bearer
<token>`` or as the password of HTTP Basic (TAXII clients and MISP feeds often only do Basic;
the user name is ignored). Either way the request reads as the token's organisation
(``TokenActor``), exactly like the REST API."""

from __future__ import annotations

import base64
import binascii

from accounts.authentication import TokenActor
from accounts.services import api_token_authenticate

CHALLENGE = 'Basic realm="taxii", Bearer realm="taxii"'


class NoCredentials(Exception):
    pass


class BadCredentials(Exception):
    pass


def token_actor(request) -> TokenActor:
    """The actor of a request's token; ``NoCredentials`` or ``BadCredentials`` otherwise (one
    exception for unknown, revoked, expired and malformed tokens alike: nothing to probe)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise NoCredentials
    scheme, _space, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        raw = value
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadCredentials from exc
        _user, colon, raw = decoded.partition(":")
        if not colon:
            raise BadCredentials
    else:
        raise NoCredentials
    token = api_token_authenticate(raw)
    if token is None:
        raise BadCredentials
    return TokenActor(token)
