"""Named hooks: how a lower room tells the rooms above it that something changed.

A lower room may not import a higher one (the import contract in pyproject.toml), yet some of
its writes must be followed, in the same transaction, by work that belongs higher up: a changed
case needs its change-feed entry (sync) and its search index row (discovery). The lower room
calls the hook; ``PracticesConfig.ready()`` installs the listeners at start-up.

Unlike Django signals, a hook is for work that must happen: calling one with no listener
installed raises instead of doing nothing, listeners run in the order they were installed, and
an error in one propagates so the whole transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """A point that lower code calls and higher code listens to."""

    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Callable[..., object]] = []

    def install(self, listener: Callable[..., object]) -> None:
        """Add a listener once (installing the same one again changes nothing)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def call(self, *args, **kwargs) -> None:
        if not self._listeners:
            raise ImproperlyConfigured(
                f"Nothing listens to the {self.name!r} hook; "
                "practices.apps.PracticesConfig.ready() installs its listeners."
            )
        for listener in self._listeners:
            listener(*args, **kwargs)
