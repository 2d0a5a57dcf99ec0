"""Recording audit events: who did what, through which channel, from which address.

The channel and address of the current request are kept in a context variable set by
``AuditContextMiddleware``; outside a request (management commands, Celery) the channel is
"command" and there is no address.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models

from practices.audit.models import AuditEvent

SECRET_MARKERS = ("password", "secret", "token", "key_hash", "signature")
MASK = "••••••"


@dataclass(frozen=True)
class AuditContext:
    channel: str = AuditEvent.Channel.COMMAND
    ip_address: str | None = None


_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def _channel_for(path: str) -> str:
    if path.startswith("/admin/"):
        return AuditEvent.Channel.ADMIN
    if path.startswith("/api/"):
        return AuditEvent.Channel.API
    return AuditEvent.Channel.WEB


class AuditContextMiddleware:
    """Note the channel and client address of each request for the audit records it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # REMOTE_ADDR only: a proxy in front must set it (gunicorn --forwarded-allow-ips);
        # trusting X-Forwarded-For here would let anyone write any address into the trail.
        token = _context.set(
            AuditContext(
                channel=_channel_for(request.path), ip_address=request.META.get("REMOTE_ADDR")
            )
        )
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def _jsonable(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_jsonable(v) for v in value)
    return value


def _masked(field: str, value):
    return MASK if any(marker in field.lower() for marker in SECRET_MARKERS) else _jsonable(value)


def changes_between(before: dict, after: dict) -> dict:
    """Fields whose value differs, as {field: [before, after]}, secrets masked."""
    changed = {}
    for field in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(field)), _jsonable(after.get(field))
        if old != new:
            changed[field] = [_masked(field, old), _masked(field, new)]
    return changed


def person_of(actor):
    """The person behind an actor, or None for an API token (which acts for its organisation)."""
    from accounts.models import User

    return actor if isinstance(actor, User) else None


def _is_case(obj) -> bool:
    return obj._meta.label_lower == "practices.casestudy"


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    organisation=None,
    case_study=None,
) -> AuditEvent:
    """Append one audit event for ``obj``; call inside the service's transaction."""
    context = _context.get() or AuditContext()
    actor_user = person_of(actor)
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_email=actor_user.email if actor_user else str(actor or "")[:254],
        organisation=organisation or getattr(actor, "organisation", None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "uuid", None) or obj.pk),
        object_repr=str(obj)[:300],
        case_study_uuid=(case_study or obj).uuid if case_study or _is_case(obj) else None,
        changes=changes or {},
        channel=context.channel,
        ip_address=context.ip_address,
    )
