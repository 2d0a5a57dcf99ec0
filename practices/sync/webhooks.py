"""Webhooks: case events written with the change (outbox), delivered as signed POSTs by Celery.

What is sent
------------
Every writing transaction ends with ``case_change_record``; the change feed records the entry
(``practices.sync.feed.change_record``) and calls ``outbox.outbox_record``. For
each active endpoint it writes at most one ``WebhookEvent`` in that same transaction, so an event
exists exactly when its change committed (a broker outage loses nothing: ``webhooks_sweep``
enqueues what is still pending). The payload is computed then, as the endpoint's organisation
may see the case — the same ``visible_to`` and anonymisation rules as the API:

    {"event": "case.updated", "id": "<event uuid>", "occurred_at": "…Z", "seq": 1234,
     "case": {…the case exactly as GET /api/v1/cases/<uuid>/ shows it to that organisation…}}

``case.removed`` carries only ``"case": {"uuid": "…"}``. ``seq`` is the change-feed sequence:
deliveries may arrive out of order (retries), so apply an event only if its ``seq`` is greater
than the last one you applied for that case. ``id`` is stable across retries and redeliveries:
use it to ignore duplicates.

How a delivery is signed
------------------------
``POST`` with ``Content-Type: application/json`` and these headers:

- ``X-Exchange-Event``: the event type, e.g. ``case.published``;
- ``X-Exchange-Delivery``: the event uuid (same as ``id`` in the body);
- ``X-Exchange-Timestamp``: when this attempt was signed, in Unix seconds;
- ``X-Exchange-Signature``: ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.

The receiver recomputes the HMAC over the exact body bytes it received (before parsing them),
compares in constant time and refuses timestamps more than five minutes away from its clock
(``practices.sync.signing.verify_signature`` is the reference). Anything but a 2xx answer is a
failure; redirects are not followed. Failed attempts are retried with exponential back-off
(60 s, 120 s, 240 s, … at most an hour apart) up to ``WEBHOOK_MAX_ATTEMPTS`` attempts.

Where deliveries may go
-----------------------
Only ``https://`` addresses whose host resolves to public addresses: an organisation admin must
not be able to make the portal probe loopback, private or link-local networks (cloud metadata,
the database, Redis). The check runs at registration and again before every attempt, and the
connection goes to the address that was checked, so a DNS answer that changes in between cannot
slip through. ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts this (and allows ``http://``) for
development and tests only.
"""

from __future__ import annotations

import secrets
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record
from practices.cases.querysets import actor_acts_for
from practices.sync.delivery import PingResult, webhook_ping_send
from practices.sync.exceptions import WebhookError
from practices.sync.models import WebhookEndpoint, WebhookEvent
from practices.sync.signing import SECRET_PREFIX, secret_encrypt
from practices.sync.targets import webhook_target_check
from practices.sync.tasks import webhook_events_enqueue

EventType = WebhookEndpoint.EventType
EventStatus = WebhookEvent.Status

# --- Endpoint and event services (pages) ----------------------------------------------------


def _require_admin(actor: User, organisation_id: int) -> None:
    # Pages look records up within the admin's organisation (others get 404), so this only
    # fires on misuse; it is the last line of defence.
    if not (getattr(actor, "is_org_admin", False) and actor_acts_for(actor, organisation_id)):
        raise PermissionDenied("Only an admin of this organisation may manage its webhooks.")


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, url: str, event_types: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's organisation; returns it with its secret, which is
    shown this once and kept only encrypted.

    Only the organisation's admins register endpoints; the address must pass
    ``webhook_target_check``; at least one known event type is chosen.
    """
    if actor.organisation_id is None:
        raise PermissionDenied("Only an admin of an organisation may register webhooks.")
    _require_admin(actor, actor.organisation_id)
    chosen = [t for t in EventType.values if t in event_types]
    if not chosen or len(chosen) != len(set(event_types)):
        raise WebhookError("Choose at least one of the listed event types.")
    url = url.strip()
    webhook_target_check(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        organisation_id=actor.organisation_id,
        url=url,
        secret_encrypted=secret_encrypt(secret),
        event_types=chosen,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=endpoint,
        changes={"url": [None, url], "event_types": [None, chosen]},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_deactivate(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop deliveries to an endpoint: no new events, and pending ones are not sent."""
    _require_admin(actor, endpoint.organisation_id)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
        WebhookEvent.objects.filter(endpoint=endpoint, status=EventStatus.PENDING).update(
            status=EventStatus.SKIPPED, next_attempt_at=None
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=endpoint,
            changes={"is_active": [True, False]},
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its events and delivery log."""
    _require_admin(actor, endpoint.organisation_id)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=endpoint,
        changes={"url": [endpoint.url, None]},
    )
    endpoint.delete()


def webhook_endpoint_ping(*, actor: User, endpoint: WebhookEndpoint) -> PingResult:
    """Send a signed ``ping`` to the endpoint right away and record the attempt in the audit
    trail; returns what the receiver answered.

    Not one transaction on purpose: no transaction stays open while the receiver answers. The
    ping is not a ``WebhookEvent`` (nothing to retry, nothing in the delivery log).
    """
    _require_admin(actor, endpoint.organisation_id)
    if not endpoint.is_active:
        raise WebhookError(
            "This endpoint is deactivated: nothing is sent to it. Register the address again "
            "to send to it."
        )
    result = webhook_ping_send(endpoint)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=endpoint,
            changes={"test_event": [None, result.summary()]},
        )
    return result


@transaction.atomic
def webhook_event_redeliver(*, actor: User, event: WebhookEvent) -> WebhookEvent:
    """Queue an event again with a fresh budget of attempts; its ``id`` stays the same, so
    receivers can tell a redelivery from a new event. Not for deactivated endpoints."""
    # 404 if the event went with its endpoint's deletion while we waited for the lock.
    event = get_object_or_404(
        WebhookEvent.objects.select_for_update().select_related("endpoint"), pk=event.pk
    )
    _require_admin(actor, event.endpoint.organisation_id)
    if not event.endpoint.is_active:
        raise WebhookError("This endpoint is deactivated: nothing is delivered to it.")
    event.status = EventStatus.PENDING
    event.attempts = 0
    event.next_attempt_at = timezone.now()
    event.delivered_at = None
    event.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at"])
    transaction.on_commit(partial(webhook_events_enqueue, [event.pk]))
    return event
