"""Announcing a change to a case, so that the change feed records it in the same transaction.

Every service that changes what a case says, or who may read it, ends with
``case_change_record(case_study)`` inside its transaction. The recorder itself is the change
feed (``practices.sync.feed.change_record``), which sits in a higher room: it builds on cases,
so cases cannot import it. ``PracticesConfig.ready()`` installs it once at start-up, and a
missing recorder fails loudly, since a change the feed never hears of is a record a consumer
would silently miss.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from practices.cases.models import CaseStudy

Recorder = Callable[..., object]

_recorder: Recorder | None = None


def recorder_install(recorder: Recorder) -> None:
    """Name the function that records case changes (the change feed)."""
    global _recorder
    _recorder = recorder


def case_change_record(case_study: CaseStudy, *, deleted: bool = False) -> None:
    """Record that this case changed; call at the end of the writing transaction."""
    if _recorder is None:
        raise ImproperlyConfigured(
            "No case change recorder is installed; practices.apps.PracticesConfig.ready() "
            "installs the change feed."
        )
    _recorder(case_study, deleted=deleted)
