"""Moderation: transitions, claims, approvals, review of revisions, notifications, queue."""
