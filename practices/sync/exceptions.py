"""What the webhook rules refuse; the messages are shown to the person as they are."""

from __future__ import annotations

from practices.exceptions import PracticesError


class WebhookError(PracticesError):
    """A webhook action the rules do not allow; the message is shown as is."""


class WebhookTargetRefused(WebhookError):
    """Deliveries may not go to this address (scheme, private address, unresolvable host)."""
