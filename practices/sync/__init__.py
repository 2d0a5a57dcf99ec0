"""Keeping copies in sync: the change feed and webhooks (outbox, delivery, endpoint pages)."""
