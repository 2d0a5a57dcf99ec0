"""Delivering webhook events: one signed POST per attempt, to the address that was checked,
with exponential back-off and a bounded number of attempts.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.authentication import OrganisationActor
from practices.cases.models import CaseStudy
from practices.cases.rendering import part_render
from practices.sync.exceptions import WebhookTargetRefused
from practices.sync.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from practices.sync.signing import (
    delivery_headers,
    payload_body,
    secret_decrypt,
    signed_headers,
)
from practices.sync.targets import Target, webhook_target_check

# One logger for the webhook machinery, named as before the move into rooms (alerts use it).
logger = logging.getLogger("practices.webhooks")

EventType = WebhookEndpoint.EventType
EventStatus = WebhookEvent.Status

# Enough of an error answer to tell what went wrong; a receiver's page is not worth storing.
RESPONSE_SNIPPET_BYTES = 500
SWEEP_BATCH = 500

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
    """Why this event must not be sent now, or None."""
    endpoint = event.endpoint
    if not endpoint.is_active:
        return "Not sent: the endpoint is deactivated."
    if not endpoint.organisation.is_active:
        return "Not sent: the organisation is inactive."
    return payload_withheld(event)


def payload_withheld(event: WebhookEvent) -> str | None:
    """Why this event's payload may no longer be shown to its organisation, or None.

    The payload was computed when the change was made; if the organisation has since lost the
    case, or someone it names was anonymised (the case's originator, an adopter), sending it
    late, or showing it in the delivery log, would hand over what it may no longer see. A
    later event tells the receiver what changed.
    """
    if event.event_type == EventType.CASE_REMOVED:
        return None
    organisation = event.endpoint.organisation
    actor = OrganisationActor(organisation)
    found = (
        CaseStudy.objects.visible_to(actor)
        .with_originator_for(actor)
        .filter(uuid=event.case_uuid)
        .values_list("pk", "originator_visible")
        .first()
    )
    if found is None:
        return f"Not sent: {organisation.short_name} may no longer read this case."
    pk, named = found
    case = event.payload.get("case") or {}
    if (case.get("originator") or {}).get("anonymised") is False and not named:
        return "Not sent: the case has been anonymised since this event was written."
    adopters = {
        adoption["uuid"]
        for adoption in case.get("adoptions") or []
        if (adoption.get("adopter") or {}).get("anonymised") is False
    }
    if adopters:
        # As the organisation would be shown the adoptions now (an adoption removed since is
        # no longer named either).
        now = part_render("adoptions", CaseStudy(pk=pk), actor)
        if adopters - {a["uuid"] for a in now if not a["adopter"]["anonymised"]}:
            return "Not sent: an adopter has been anonymised since this event was written."
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


# --- Test events ("Send a test event") ------------------------------------------------------

PING_EVENT = "ping"


@dataclass(frozen=True)
class PingResult:
    """What one test POST got: the status code (None when no answer came), an error text, how
    long it took, and the delivery id it carried."""

    status_code: int | None
    error: str
    duration_ms: int
    delivery_id: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def summary(self) -> str:
        answer = f"HTTP {self.status_code}" if self.status_code is not None else "no answer"
        text = f"{answer} in {self.duration_ms} ms"
        return f"{text}: {self.error[:200]}" if self.error else text


def ping_payload(endpoint: WebhookEndpoint, delivery_id: str) -> dict:
    """The body of a test event. It is never stored: no ``WebhookEvent``, no ``seq``, no case."""
    return {
        "event": PING_EVENT,
        "id": delivery_id,
        "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "endpoint": {"uuid": str(endpoint.uuid), "event_types": list(endpoint.event_types)},
        "organisation": endpoint.organisation.slug,
    }


def webhook_ping_send(endpoint: WebhookEndpoint) -> PingResult:
    """POST a signed ``ping`` to the endpoint now, exactly as a real delivery goes: the same
    signature, the same target check, the same pinned connection, no redirects followed."""
    delivery_id = str(uuid.uuid4())
    started = time.monotonic()
    try:
        secret = secret_decrypt(endpoint.secret_encrypted)
    except InvalidToken:
        return PingResult(
            None,
            "The signing secret cannot be decrypted (SECRET_KEY changed without "
            "SECRET_KEY_FALLBACKS). Register the endpoint again.",
            0,
            delivery_id,
        )
    try:
        target = webhook_target_check(endpoint.url)
    except WebhookTargetRefused as exc:
        status_code, error = None, f"Not sent: {exc}"
    else:
        body = json.dumps(
            ping_payload(endpoint, delivery_id), separators=(",", ":"), ensure_ascii=False
        ).encode()
        headers = delivery_headers(
            secret=secret, event_type=PING_EVENT, delivery_id=delivery_id, body=body
        )
        status_code, error = _post(target, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    return PingResult(status_code, error, duration_ms, delivery_id)


def webhook_events_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending events whose next attempt is due, oldest first: lost enqueues and retries."""
    return list(
        WebhookEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
