"""Webhooks: case events written with the change (outbox), delivered as signed POSTs by Celery.

What is sent
------------
Every writing transaction ends with ``feed.change_record``, which calls ``outbox_record``. For
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
(``verify_signature`` below is the reference). Anything but a 2xx answer is a failure; redirects
are not followed. Failed attempts are retried with exponential back-off (60 s, 120 s, 240 s, …
at most an hour apart) up to ``WEBHOOK_MAX_ATTEMPTS`` attempts.

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

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch
from django.utils import timezone
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from accounts.authentication import OrganisationActor
from accounts.models import Organisation, User
from practices.api.serializers import CaseStudySerializer
from practices.audit import audit_record
from practices.exceptions import PracticesError
from practices.models import (
    Attachment,
    AuditEvent,
    CaseChange,
    CaseStudy,
    Term,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

EventType = WebhookEndpoint.EventType
EventStatus = WebhookEvent.Status

HEADER_EVENT = "X-Exchange-Event"
HEADER_DELIVERY = "X-Exchange-Delivery"
HEADER_TIMESTAMP = "X-Exchange-Timestamp"
HEADER_SIGNATURE = "X-Exchange-Signature"
SIGNATURE_VERSION = "v1"
SIGNATURE_TOLERANCE_SECONDS = 300
USER_AGENT = "PracticeExchange-Webhooks/1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a label that makes leaked secrets recognisable)
# Enough of an error answer to tell what went wrong; a receiver's page is not worth storing.
RESPONSE_SNIPPET_BYTES = 500
SWEEP_BATCH = 500


class WebhookError(PracticesError):
    """A webhook action the rules do not allow; the message is shown as is."""


class WebhookTargetRefused(WebhookError):
    """Deliveries may not go to this address (scheme, private address, unresolvable host)."""


# --- The signing secret, encrypted at rest ------------------------------------------------


def _fernet_key(secret_key: str) -> bytes:
    # A key of its own, derived for this one purpose: SECRET_KEY is never used directly.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"practices.webhooks", info=b"endpoint secret"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


def _fernet() -> MultiFernet:
    # Encrypts with SECRET_KEY; also decrypts with SECRET_KEY_FALLBACKS, so a key rotation done
    # the Django way keeps the stored secrets readable.
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    """The clear secret; raises ``cryptography.fernet.InvalidToken`` if SECRET_KEY changed."""
    return _fernet().decrypt(token.encode()).decode()


# --- Signing ----------------------------------------------------------------------------


def signature(secret: str, timestamp: str | int, body: bytes | str) -> str:
    """The ``X-Exchange-Signature`` value: ``v1=`` + hex HMAC-SHA256 of "<timestamp>.<body>"."""
    if isinstance(body, str):
        body = body.encode()
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    *,
    tolerance_seconds: int | None = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: True only if ``header`` signs exactly this timestamp and body.

    Refuses timestamps further than ``tolerance_seconds`` from ``now`` (replays). The header may
    carry several comma-separated values (e.g. while a secret is rotated); one must match.
    """
    timestamp = str(timestamp)
    if not timestamp.isdigit():
        return False
    sent_at = int(timestamp)
    if tolerance_seconds is not None:
        current = time.time() if now is None else now
        if abs(current - sent_at) > tolerance_seconds:
            return False
    expected = signature(secret, timestamp, body)
    return any(
        hmac.compare_digest(candidate.strip(), expected) for candidate in (header or "").split(",")
    )


def signed_headers(*, secret: str, event: WebhookEvent, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt, signed now."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER_EVENT: event.event_type,
        HEADER_DELIVERY: str(event.uuid),
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: signature(secret, timestamp, body),
    }


def payload_body(event: WebhookEvent) -> bytes:
    """The exact bytes sent (and signed) for an event."""
    return json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()


# --- Where deliveries may go ------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A checked delivery target: connect to ``address``, speak to ``host``."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this to simulate DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        # Catches the rest that is not internet-routable (shared 100.64/10, 6to4 of private…).
        or not ip.is_global
    )


def webhook_target_check(url: str) -> Target:
    """Where a delivery to ``url`` would connect, or ``WebhookTargetRefused`` saying why not.

    Rule: ``https://`` only, no credentials in the address, and every address the host resolves
    to must be public — not loopback, private, link-local, multicast, reserved or unspecified.
    ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts the address rule and allows ``http://``.
    """
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise WebhookTargetRefused(
            "Use an https:// address: deliveries carry case content and must be encrypted."
        )
    if parts.username or parts.password:
        raise WebhookTargetRefused(
            "Leave the user name and password out of the address: the signature proves the sender."
        )
    host = parts.hostname
    if not host:
        raise WebhookTargetRefused("This address has no host name.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookTargetRefused("The port must be a number from 1 to 65535.") from exc
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an address literal needs no lookup
    except ValueError:
        try:
            addresses = _resolve(host, port)
        except (OSError, UnicodeError) as exc:
            addresses = []
            logger.info("Webhook host %s does not resolve: %s", host, exc)
    if not addresses:
        raise WebhookTargetRefused(
            f"The host name “{host}” could not be resolved. Check the spelling, or try again "
            "once its DNS record exists."
        )
    if not allow_private:
        internal = [a for a in addresses if _internal(a)]
        if internal:
            raise WebhookTargetRefused(
                f"“{host}” points to {internal[0]}, a loopback, private or otherwise internal "
                "address. Webhooks are delivered only to public internet addresses."
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def webhook_target_allowed(url: str) -> bool:
    """Whether deliveries may go to ``url`` now (see ``webhook_target_check``)."""
    try:
        webhook_target_check(url)
    except WebhookTargetRefused:
        return False
    return True


# --- Who reads: an organisation, like one of its members ----------------------------------


# --- The outbox ---------------------------------------------------------------------------


def _case_as_seen(change: CaseChange, organisations: dict[int, Organisation]) -> CaseStudy | None:
    """The changed case, loaded once, annotated per organisation with ``readable_<id>`` and
    ``named_<id>`` (``visible_to`` and ``with_originator_for``, one query for all of them)."""
    if change.case_study_id is None:
        return None
    annotations = {}
    for organisation_id, organisation in organisations.items():
        actor = OrganisationActor(organisation)
        annotations[f"readable_{organisation_id}"] = Exists(
            CaseStudy.objects.visible_to(actor).filter(pk=OuterRef("pk"))
        )
        annotations[f"named_{organisation_id}"] = Exists(
            CaseStudy.objects.with_originator_for(actor).filter(
                pk=OuterRef("pk"), originator_visible=True
            )
        )
    # The prefetches of api.views.readable_cases: everything the serializer touches.
    return (
        CaseStudy.objects.select_related("organisation")
        .prefetch_related(
            Prefetch("terms", queryset=Term.objects.select_related("taxonomy")),
            "references",
            "recipients",
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at")),
        )
        .annotate(**annotations)
        .filter(pk=change.case_study_id)
        .first()
    )


@dataclass(frozen=True)
class _Before:
    """Who could read the case at its previous feed entry (its audience snapshot)."""

    published: bool
    public: bool
    originator_id: int | None
    audience: frozenset[int]

    def readable_by(self, organisation_id: int) -> bool:
        return (
            self.public or self.originator_id == organisation_id or organisation_id in self.audience
        )


def _before(change: CaseChange) -> _Before:
    previous = (
        CaseChange.objects.filter(case_uuid=change.case_uuid, seq__lt=change.seq)
        .order_by("-seq")
        .values("pk", "status", "public_to_all", "organisation_id")
        .first()
    )
    if previous is None:
        return _Before(published=False, public=False, originator_id=None, audience=frozenset())
    published = previous["status"] == CaseStudy.Status.PUBLISHED
    audience: frozenset[int] = frozenset()
    if published and not previous["public_to_all"]:
        audience = frozenset(
            CaseChange.audience.through.objects.filter(casechange_id=previous["pk"]).values_list(
                "organisation_id", flat=True
            )
        )
    return _Before(
        published=published,
        public=previous["public_to_all"],
        originator_id=previous["organisation_id"],
        audience=audience,
    )


def _event_type(case: CaseStudy | None, before: _Before, organisation_id: int) -> str | None:
    if case is not None and getattr(case, f"readable_{organisation_id}"):
        was_published_to_them = before.published and before.readable_by(organisation_id)
        if case.status == CaseStudy.Status.PUBLISHED and not was_published_to_them:
            return EventType.CASE_PUBLISHED
        return EventType.CASE_UPDATED
    if before.readable_by(organisation_id):
        return EventType.CASE_REMOVED
    return None


def _jsonable(data) -> dict:
    # The API's own encoder (UUIDs, dates, decimals), so the payload reads like the API.
    return json.loads(json.dumps(data, cls=JSONEncoder))


def outbox_record(change: CaseChange) -> list[WebhookEvent]:
    """Write this change's webhook events, one per interested endpoint, in the change's transaction.

    Per active endpoint (of an active organisation), from what its organisation may read now
    (``visible_to``) and could read at the case's previous feed entry (the audience snapshot):

    - readable now, published, and not readable as published before → ``case.published``
      (publication, TLP lowered, recipient added);
    - readable now otherwise → ``case.updated`` (this includes the organisation's own drafts);
    - not readable now but readable before → ``case.removed`` with only the case uuid
      (withdrawn, TLP raised, recipient removed, draft deleted);
    - never readable → nothing: no event reveals a case the organisation may not read.

    Only event types the endpoint subscribed to are written. The number of queries does not
    depend on the number of endpoints. Enqueueing happens after commit and never fails the
    change: what could not be enqueued is sent by ``webhooks_sweep``.
    """
    endpoints = list(
        WebhookEndpoint.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("pk")
    )
    if not endpoints:
        return []
    organisations = {e.organisation_id: e.organisation for e in endpoints}
    case = _case_as_seen(change, organisations)
    before = _before(change)
    occurred_at = serializers.DateTimeField().to_representation(change.created_at)
    now = timezone.now()
    views: dict[int, dict] = {}
    events = []
    for endpoint in endpoints:
        organisation_id = endpoint.organisation_id
        kind = _event_type(case, before, organisation_id)
        if kind is None or kind not in endpoint.event_types:
            continue
        if kind == EventType.CASE_REMOVED:
            view = {"uuid": str(change.case_uuid)}
        else:
            if organisation_id not in views:
                case.originator_visible = getattr(case, f"named_{organisation_id}")
                actor = OrganisationActor(organisations[organisation_id])
                views[organisation_id] = _jsonable(
                    CaseStudySerializer(case, context={"actor": actor}).data
                )
            view = views[organisation_id]
        event_uuid = uuid.uuid4()
        events.append(
            WebhookEvent(
                uuid=event_uuid,
                endpoint=endpoint,
                event_type=kind,
                case_uuid=change.case_uuid,
                payload={
                    "event": kind,
                    "id": str(event_uuid),
                    "occurred_at": occurred_at,
                    "seq": change.seq,
                    "case": view,
                },
                next_attempt_at=now,
            )
        )
    if events:
        WebhookEvent.objects.bulk_create(events)
        transaction.on_commit(partial(webhook_events_enqueue, [e.pk for e in events]))
    return events


def webhook_events_enqueue(event_pks: list[int]) -> int:
    """Hand events to the broker; returns how many were handed over.

    Never raises: this runs after the change committed, and a broker outage must not turn a
    saved change into an error page. Whatever is not enqueued stays pending in the database
    and ``webhooks_sweep`` enqueues it later.
    """
    from practices import tasks  # imported here: tasks imports this module

    enqueued = 0
    for pk in event_pks:
        try:
            tasks.webhook_deliver.delay(pk)
        except Exception:
            # Most likely the broker is down, so the rest would fail too (each after the
            # publish retries): stop here and leave them to the sweeper.
            logger.exception(
                "Could not enqueue webhook event %s; %d left pending for the sweeper",
                pk,
                len(event_pks) - enqueued,
            )
            break
        enqueued += 1
    return enqueued


# --- Endpoint and event services (pages) ----------------------------------------------------


def _require_admin(actor: User, organisation_id: int) -> None:
    # Pages look records up within the admin's organisation (others get 404), so this only
    # fires on misuse; it is the last line of defence.
    if not (getattr(actor, "is_org_admin", False) and actor.organisation_id == organisation_id):
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


@transaction.atomic
def webhook_event_redeliver(*, actor: User, event: WebhookEvent) -> WebhookEvent:
    """Queue an event again with a fresh budget of attempts; its ``id`` stays the same, so
    receivers can tell a redelivery from a new event. Not for deactivated endpoints."""
    event = WebhookEvent.objects.select_for_update().select_related("endpoint").get(pk=event.pk)
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


# --- Delivery -----------------------------------------------------------------------------


def retry_countdown(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts: 60, 120, 240, … at most an hour."""
    return min(2**attempts * 30, 3600)


@dataclass(frozen=True)
class AttemptOutcome:
    status: str  # the event's status afterwards, or "not-due" when nothing was attempted
    retry_in: int | None = None  # seconds until the next attempt, when one is scheduled


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever DNS answers now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the host name."""

    def __init__(self, target: Target, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _post(target: Target, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once; returns (status code or None, error text). Redirects are never followed."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        snippet = response.read(RESPONSE_SNIPPET_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]
    finally:
        connection.close()
    status = response.status
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:
        return status, "Redirects are not followed: register the final address of the endpoint."
    return status, snippet.decode("utf-8", "replace")


def _claim(event_pk: int) -> WebhookEvent | None:
    """Take the attempt that is due, or None if it is not due (or someone else took it).

    One conditional UPDATE: it counts the attempt and moves ``next_attempt_at`` past the
    attempt's longest duration, so a second worker (a Celery retry and a sweep re-enqueue of
    the same event) finds nothing due. If this worker dies mid-attempt, the sweeper retries
    once that lease has passed.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    claimed = WebhookEvent.objects.filter(
        pk=event_pk, status=EventStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    if not claimed:
        return None
    return WebhookEvent.objects.select_related("endpoint__organisation").get(pk=event_pk)


def _unsendable(event: WebhookEvent) -> str | None:
    """Why this event must not be sent now, or None.

    The payload was computed when the change was made; if the organisation has since lost the
    case (or its originator was anonymised), sending it late would hand over what it may no
    longer see. A later event tells the receiver what changed.
    """
    endpoint = event.endpoint
    if not endpoint.is_active:
        return "Not sent: the endpoint is deactivated."
    if not endpoint.organisation.is_active:
        return "Not sent: the organisation is inactive."
    if event.event_type == EventType.CASE_REMOVED:
        return None
    actor = OrganisationActor(endpoint.organisation)
    named = (
        CaseStudy.objects.visible_to(actor)
        .with_originator_for(actor)
        .filter(uuid=event.case_uuid)
        .values_list("originator_visible", flat=True)
        .first()
    )
    if named is None:
        return f"Not sent: {endpoint.organisation.short_name} may no longer read this case."
    originator = (event.payload.get("case") or {}).get("originator") or {}
    if originator.get("anonymised") is False and not named:
        return "Not sent: the case has been anonymised since this event was written."
    return None


@transaction.atomic
def _record(
    event: WebhookEvent, *, status_code: int | None, error: str, duration_ms: int, final: bool
) -> AttemptOutcome:
    WebhookDelivery.objects.create(
        event=event,
        attempt=event.attempts,
        status_code=status_code,
        error=error,
        duration_ms=duration_ms,
    )
    now = timezone.now()
    if status_code is not None and 200 <= status_code < 300:
        outcome = AttemptOutcome(EventStatus.DELIVERED)
        changes = {"status": EventStatus.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif final or event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        outcome = AttemptOutcome(EventStatus.FAILED)
        changes = {"status": EventStatus.FAILED, "next_attempt_at": None}
    else:
        countdown = retry_countdown(event.attempts)
        outcome = AttemptOutcome(EventStatus.PENDING, retry_in=countdown)
        changes = {"next_attempt_at": now + timedelta(seconds=countdown)}
    WebhookEvent.objects.filter(pk=event.pk).update(**changes)
    return outcome


def webhook_event_attempt(*, event_pk: int) -> AttemptOutcome:
    """Make the due delivery attempt of an event and log it; says when to try again.

    2xx → delivered. Anything else (error status, redirect, timeout, refused target) is a failed
    attempt: retried after ``retry_countdown(attempts)`` until ``WEBHOOK_MAX_ATTEMPTS``, then
    failed. The target is checked again before sending (DNS may have changed since
    registration). Not a single transaction on purpose: no transaction stays open while the
    receiver answers.
    """
    event = _claim(event_pk)
    if event is None:
        return AttemptOutcome("not-due")
    reason = _unsendable(event)
    if reason is not None:
        with transaction.atomic():
            WebhookDelivery.objects.create(event=event, attempt=event.attempts, error=reason)
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=EventStatus.SKIPPED, next_attempt_at=None
            )
        return AttemptOutcome(EventStatus.SKIPPED)
    try:
        secret = secret_decrypt(event.endpoint.secret_encrypted)
    except InvalidToken:
        return _record(
            event,
            status_code=None,
            error="The signing secret cannot be decrypted (SECRET_KEY changed without "
            "SECRET_KEY_FALLBACKS). Register the endpoint again.",
            duration_ms=0,
            final=True,
        )
    started = time.monotonic()
    try:
        target = webhook_target_check(event.endpoint.url)
    except WebhookTargetRefused as exc:
        status_code, error = None, f"Not sent: {exc}"
    else:
        body = payload_body(event)
        headers = signed_headers(secret=secret, event=event, body=body)
        status_code, error = _post(target, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(
        event, status_code=status_code, error=error, duration_ms=duration_ms, final=False
    )


def webhook_events_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending events whose next attempt is due, oldest first: lost enqueues and retries."""
    return list(
        WebhookEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
