"""The demo cases' data file (``data/cases.yaml``): each case read and checked as a ``DemoCase``.

Rules of the data file: every case has the keys ``DemoCase`` requires and no key it does not
know, each value has the expected type, and titles are unique. A mistake stops the import of
this module with an error that names the case, before anything is written.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from django.db import models

from practices.cases.models import CaseStudy
from practices.cases.revisions import EDITABLE_FIELDS

DATA_FILE = Path(__file__).resolve().parent / "data" / "cases.yaml"

# Changing this (or a title) gives the case a new identity: the old row would stay behind.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/cdpe/demo-case-studies")

Status = CaseStudy.Status

# The usual way to each status; a case may give its own ``path`` (e.g. a round of changes).
PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.DRAFT,),
    Status.SUBMITTED: (Status.DRAFT, Status.SUBMITTED),
    Status.CHANGES_REQUESTED: (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED),
    Status.PUBLISHED: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED),
    Status.REJECTED: (Status.DRAFT, Status.SUBMITTED, Status.REJECTED),
    Status.WITHDRAWN: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.WITHDRAWN),
}
MODERATOR_STEPS = (Status.CHANGES_REQUESTED, Status.PUBLISHED, Status.REJECTED)
COMMENTED_STEPS = (Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN)


@dataclass(frozen=True)
class DemoCase:
    """One demo case as read from the data file: text as it will be stored, terms as codes."""

    title: str
    organisation: str  # demo organisation slug
    author: str  # e-mail of a member of that organisation
    status: str
    tlp: str
    drafted: date  # the day the draft was started; later steps follow STEP_DELAY
    summary: str
    language: str = "en"  # the language the case is written in (ISO 639-1)
    summary_translation: str = ""
    summary_translation_language: str = ""
    incident: str = ""
    audiences: str = ""
    incident_start: date | None = None
    incident_end: date | None = None
    attribution_confidence: str = CaseStudy.AttributionConfidence.UNATTRIBUTED
    response: str = ""
    responders: str = ""
    response_start: date | None = None
    response_end: date | None = None
    resources: str = ""
    outcome: str = ""
    effectiveness: str = CaseStudy.Effectiveness.NOT_ASSESSED
    evidence: str = ""
    lessons: str = ""
    recommendations: str = ""
    attribution_mode: str = CaseStudy.AttributionMode.NAMED
    discoverable: bool = False  # AMBER only: its stub is offered for access requests
    recipients: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    red: tuple[str, ...] = ()
    blue: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (url, title)
    path: tuple[str, ...] = ()
    moderator: str = "moderator@hub.demo"
    withdrawn_by: str = ""  # an admin of the organisation, for withdrawn cases
    comments: tuple[tuple[str, str], ...] = ()  # (to_status, comment) for commented steps
    # (field, value) as the text read when changes were last requested, for a case submitted
    # again since: the review page shows the difference (practices.moderation.selectors).
    before_changes: tuple[tuple[str, Any], ...] = ()

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_NAMESPACE, self.title)

    @property
    def steps(self) -> tuple[str, ...]:
        return self.path or PATHS[self.status]

    def term_codes(self) -> dict[str, tuple[str, ...]]:
        return {
            "region": self.region,
            "country": self.countries,
            "language": self.languages,
            "disarm-red": self.red,
            "disarm-blue": self.blue,
            "platform": self.platforms,
            "theme": self.themes,
            "threat-actor": self.actor,
        }


# --- Reading the data file ---------------------------------------------------------------------
# Each reader checks one value as YAML gives it and returns it as DemoCase holds it; a ValueError
# says what is wrong, and _case_read adds which case and key.


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _prose(value: Any) -> str:
    """Plain-text fields are written as wrapped blocks; store them as single lines."""
    return " ".join(_text(value).split())


def _markdown(value: Any) -> str:
    return _text(value).strip()


def _day(value: Any) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError("must be a date, written YYYY-MM-DD")
    return value


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        # YAML reads some bare codes as other types, e.g. NO (Norway) as false.
        raise ValueError("must be a list of text (quote items such as 'NO')")
    return tuple(value)


def _choice(choices: type[models.TextChoices]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in choices.values:
            raise ValueError(f"must be one of {', '.join(choices.values)}")
        return value

    return read


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _statuses(value: Any) -> tuple[str, ...]:
    return tuple(_choice(Status)(step) for step in _codes(value))


def _references(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and set(item) == {"url", "title"} for item in value
    ):
        raise ValueError("must be a list of entries with exactly a url and a title")
    return tuple((_text(item["url"]), _text(item["title"])) for item in value)


def _comments(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not set(value) <= set(COMMENTED_STEPS):
        raise ValueError(f"must map some of {', '.join(COMMENTED_STEPS)} to a comment")
    return tuple((step, _prose(comment)) for step, comment in value.items())


def _before_changes(value: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict) or not set(value) <= set(EDITABLE_FIELDS):
        raise ValueError("must map some of the case's editable fields to their earlier text")
    return tuple(
        (field, _markdown(text) if isinstance(text, str) else text) for field, text in value.items()
    )


READERS: dict[str, Callable[[Any], Any]] = {
    "title": _text,
    "organisation": _text,
    "author": _text,
    "status": _choice(Status),
    "tlp": _choice(CaseStudy.TLP),
    "drafted": _day,
    "summary": _prose,
    "language": _text,
    "summary_translation": _prose,
    "summary_translation_language": _text,
    "incident": _markdown,
    "audiences": _prose,
    "incident_start": _day,
    "incident_end": _day,
    "attribution_confidence": _choice(CaseStudy.AttributionConfidence),
    "response": _markdown,
    "responders": _prose,
    "response_start": _day,
    "response_end": _day,
    "resources": _markdown,
    "outcome": _markdown,
    "effectiveness": _choice(CaseStudy.Effectiveness),
    "evidence": _choice(CaseStudy.Evidence),
    "lessons": _markdown,
    "recommendations": _markdown,
    "attribution_mode": _choice(CaseStudy.AttributionMode),
    "discoverable": _flag,
    **dict.fromkeys(
        ("recipients", "region", "countries", "languages", "red", "blue", "platforms", "themes"),
        _codes,
    ),
    "actor": _codes,
    "keywords": _codes,
    "references": _references,
    "path": _statuses,
    "moderator": _text,
    "withdrawn_by": _text,
    "comments": _comments,
    "before_changes": _before_changes,
}
REQUIRED = frozenset(f.name for f in fields(DemoCase) if f.default is MISSING)


def _case_read(entry: Any, number: int, source: str) -> DemoCase:
    """One entry of the data file as a DemoCase; any mistake names the case and the key."""
    where = f"{source}, case {number}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be a mapping of keys to values")
    if isinstance(entry.get("title"), str):
        where = f"{where} ({entry['title']})"
    unknown = sorted(set(entry) - set(READERS), key=str)
    missing = sorted(REQUIRED - set(entry))
    if unknown or missing:
        problems = [f"unknown keys {', '.join(map(str, unknown))}"] if unknown else []
        problems += [f"missing keys {', '.join(missing)}"] if missing else []
        raise ValueError(f"{where}: {'; '.join(problems)}")
    values = {}
    for key, value in entry.items():
        try:
            values[key] = READERS[key](value)
        except ValueError as error:
            raise ValueError(f"{where}: {key} {error}") from None
    return DemoCase(**values)


def cases_load(path: Path = DATA_FILE) -> tuple[DemoCase, ...]:
    """Read and check the demo cases, in the file's order (the order they are inserted in)."""
    with path.open(encoding="utf-8") as file:
        entries = yaml.safe_load(file)
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: must be a list of cases")
    cases = tuple(_case_read(entry, n, path.name) for n, entry in enumerate(entries, start=1))
    # Two cases with one title would share a UUID: the second could never be created.
    repeated = [title for title, n in Counter(c.title for c in cases).items() if n > 1]
    if repeated:
        raise ValueError(f"{path.name}: titles used more than once: {'; '.join(repeated)}")
    return cases


CASES: tuple[DemoCase, ...] = cases_load()
