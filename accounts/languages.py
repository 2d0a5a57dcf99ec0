"""The language a person reads the portal and its e-mail in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def language_of(person) -> str:
    """The person's chosen language, else the portal's default (mail has no browser to ask)."""
    return getattr(person, "language", "") or settings.LANGUAGE_CODE


@contextmanager
def in_language_of(person) -> Iterator[None]:
    """Render (a mail, a subject line) in ``person``'s language, whatever the current request's."""
    with translation.override(language_of(person)):
        yield
