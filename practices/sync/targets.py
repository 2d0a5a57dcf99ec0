"""Where webhook deliveries may go: public https:// addresses only (no SSRF).

See ``practices.sync.webhooks``, "Where deliveries may go".
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from practices.sync.exceptions import WebhookTargetRefused

# One logger for the webhook machinery, named as before the move into rooms (alerts use it).
logger = logging.getLogger("practices.webhooks")

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


def _how_to_lift() -> str:
    """What to do about a refused local, private, plain-http or unresolvable address.

    Developers running the embedded default (DEBUG) register local receivers and may be
    offline; they are told about the switch. In production the answer is plain: only public
    https addresses, and the switch is not mentioned (it would open the internal network).
    """
    if settings.DEBUG:
        return (
            " On a development machine, set WEBHOOK_ALLOW_PRIVATE_TARGETS=true in the "
            "environment and restart to allow http:// and local addresses (never in production)."
        )
    return " The address must be a public https:// address that can be reached from the internet."


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
            + _how_to_lift()
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
            "once its DNS record exists." + ("" if allow_private else _how_to_lift())
        )
    if not allow_private:
        internal = [a for a in addresses if _internal(a)]
        if internal:
            raise WebhookTargetRefused(
                f"“{host}” points to {internal[0]}, a loopback, private or otherwise internal "
                "address. Webhooks are delivered only to public internet addresses."
                + _how_to_lift()
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
