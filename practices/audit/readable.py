"""Audit entries as people read them.

Stored entries keep machine values — ``practices.casestudy``, field names, status codes, lists of
tag references — so that they stay stable and searchable. Pages show them through here: the
object's kind by its verbose name ("case study"), each field by its label, a choice by its
label, a list as what was added and removed. Tag references ("disarm-red:T0086") are named by
the vocabularies (``practices.vocabularies.refs.term_refs_describe``), passed in as
``describe_refs`` by the pages above this room, which may not import vocabularies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from practices.audit.models import AuditEvent

EMPTY = "—"
TEXT_LIMIT = 120

DescribeRefs = Callable[[Iterable[str]], dict[str, str]]


@dataclass(frozen=True)
class ReadableChange:
    field: str
    text: str


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """``practices.casestudy`` → "case study"; an unknown type is shown as stored."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(field: models.Field | None, name: str) -> str:
    if name == "terms":
        return _("Tags")
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " "))


def _value(value, field: models.Field | None, refs: dict[str, str]) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value in refs:
        return refs[value]
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _list_change(old, new, field, refs: dict[str, str]) -> str:
    before = [v for v in (old or []) if v is not None]
    after = [v for v in (new or []) if v is not None]
    added = [_value(v, field, refs) for v in after if v not in before]
    removed = [_value(v, field, refs) for v in before if v not in after]
    parts = []
    if added:
        parts.append(_("added %(items)s") % {"items": ", ".join(added)})
    if removed:
        parts.append(_("removed %(items)s") % {"items": ", ".join(removed)})
    return "; ".join(parts) or _("no change")


def change_text(old, new, field: models.Field | None, refs: dict[str, str]) -> str:
    """One field's change in words: lists as additions and removals, values as old → new."""
    if isinstance(old, list) or isinstance(new, list):
        return _list_change(old, new, field, refs)
    if old is None:
        return _value(new, field, refs)
    return f"{_value(old, field, refs)} → {_value(new, field, refs)}"


def refs_in(changes: dict) -> set[str]:
    """Every string inside the stored changes that may be a tag reference."""
    found: set[str] = set()
    for values in changes.values():
        for value in values if isinstance(values, list) else [values]:
            items = value if isinstance(value, list) else [value]
            found.update(v for v in items if isinstance(v, str) and ":" in v)
    return found


def changes_readable(event: AuditEvent, refs: dict[str, str]) -> list[ReadableChange]:
    model = _model(event.object_type)
    rows = []
    for name, values in (event.changes or {}).items():
        old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
        field = _field(model, name)
        rows.append(ReadableChange(_field_label(field, name), change_text(old, new, field, refs)))
    return rows


def audit_events_readable(
    events: Iterable[AuditEvent], *, describe_refs: DescribeRefs | None = None
) -> list[AuditEvent]:
    """The events, each with ``object_label`` and ``readable_changes`` set; tag references of
    all of them are named at once (one query however many events)."""
    events = list(events)
    wanted = set().union(*(refs_in(e.changes or {}) for e in events)) if events else set()
    refs = describe_refs(wanted) if describe_refs and wanted else {}
    for event in events:
        event.object_label = object_type_label(event.object_type)
        event.readable_changes = changes_readable(event, refs)
    return events
