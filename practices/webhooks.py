"""Webhooks (outbox written with the change, delivered by Celery). Filled in by the API work."""

from __future__ import annotations


def outbox_record(change) -> None:
    """Write the outbox rows for a feed entry, in the same transaction. No endpoints yet."""
    return None
