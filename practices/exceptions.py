from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404


class PracticesError(Exception):
    """A move the case-study rules do not allow; the message is shown to the person as is."""


class StaleEdit(PracticesError):
    """Someone else saved the case since this person opened it."""

    def __init__(self, message: str = "", *, current_version: int | None = None):
        super().__init__(
            message
            or "Someone else saved this case while you were editing it. Nothing of yours was "
            "saved: your text is still in the form below. Compare it with the current "
            "version (open the case in a new tab), then save again."
        )
        self.current_version = current_version


class IncompleteCase(PracticesError):
    """A case cannot be submitted yet; ``missing`` lists what is needed, in words."""

    def __init__(self, missing: list[str]):
        super().__init__("This case is not complete yet.")
        self.missing = missing


class AttachmentRefused(PracticesError):
    """An uploaded file is not of an allowed type or is too large."""


class TransitionRefused(PracticesError):
    """The case is not in a state, or the actor not in a role, that allows this move."""


class Gone(Http404, ObjectDoesNotExist):
    """The row was deleted while this request waited for its lock (e.g. a draft deleted by a
    colleague at the same moment): answered like any missing record, with 404. Also an
    ``ObjectDoesNotExist``, so code that handled the bare lookup error still does."""


class SavedSearchRefused(PracticesError):
    """A saved search cannot be stored as asked (too many, bad name or query)."""


class LinkRefused(PracticesError):
    """Two cases cannot be linked (or unlinked) as asked; ``field`` names the input at fault
    ("to_case", "kind"), or is "" for the request as a whole."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class LinkExists(LinkRefused):
    """The same link (cases and kind) exists already."""


class AdoptionRefused(PracticesError):
    """An adoption cannot be recorded, changed or removed as asked; ``field`` names the input
    at fault, or is "" for the request as a whole."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class AccessRequestRefused(PracticesError):
    """An access request cannot be made, decided or withdrawn as asked; nothing was saved."""


class CollectionRefused(PracticesError):
    """A collection (or one of its cases) cannot be changed as asked; ``field`` names the
    input at fault ("case", "note", "tlp"), or is "" for the request as a whole."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field
