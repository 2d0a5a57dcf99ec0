"""Signing webhook deliveries, and keeping each endpoint's secret encrypted at rest.

The signature scheme is described in ``practices.sync.webhooks``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from practices.sync.models import WebhookEvent

HEADER_EVENT = "X-Exchange-Event"
HEADER_DELIVERY = "X-Exchange-Delivery"
HEADER_TIMESTAMP = "X-Exchange-Timestamp"
HEADER_SIGNATURE = "X-Exchange-Signature"
SIGNATURE_VERSION = "v1"
SIGNATURE_TOLERANCE_SECONDS = 300
USER_AGENT = "PracticeExchange-Webhooks/1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a label that makes leaked secrets recognisable)

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
    return delivery_headers(
        secret=secret, event_type=event.event_type, delivery_id=str(event.uuid), body=body
    )


def delivery_headers(
    *, secret: str, event_type: str, delivery_id: str, body: bytes
) -> dict[str, str]:
    """The signed headers of any POST to an endpoint: stored events and test pings alike."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER_EVENT: event_type,
        HEADER_DELIVERY: delivery_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: signature(secret, timestamp, body),
    }


def payload_body(event: WebhookEvent) -> bytes:
    """The exact bytes sent (and signed) for an event."""
    return json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()
