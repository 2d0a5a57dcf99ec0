"""Announcing that terms were renamed, so that what is built from their labels (the search
index) is rebuilt in the same transaction; ``PracticesConfig.ready()`` installs the listener."""

from __future__ import annotations

from collections.abc import Iterable

from practices.hooks import Hook

terms_relabelled = Hook("terms relabelled")


def terms_relabel_record(term_ids: Iterable[int]) -> None:
    """Record that these terms' labels or codes changed; call inside the writing transaction."""
    ids = sorted(set(term_ids))
    if ids:
        terms_relabelled.call(ids)
