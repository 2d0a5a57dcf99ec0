"""The controlled vocabularies cases are tagged with, and the loader that keeps them in step.

Rules of ``vocabularies_load``:

- Each taxonomy is matched by slug and each term by (taxonomy, code): loading again updates labels,
  descriptions, parents and positions, and never creates a duplicate.
- A term that is no longer in its source is deactivated (``is_active=False``), never deleted: cases
  that use it keep it. A term that comes back is reactivated.
- The ``keyword`` taxonomy is created if missing, but its terms are made by people and are never
  touched.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import partial
from pathlib import Path

import pycountry
from django.db import transaction
from django.utils import translation
from django_countries import countries

from practices.vocabularies.changes import terms_relabel_record
from practices.vocabularies.labels import TRANSLATED_LANGUAGES, language_english_name
from practices.vocabularies.models import Taxonomy, Term

DATA_DIR = Path(__file__).resolve().parent / "data"

DISARM_ATTRIBUTION = (
    "DISARM Framework © DISARM Foundation, CC BY-SA 4.0, "
    "https://github.com/DISARMFoundation/DISARMframeworks"
)
DISARM_VERSION = "DISARM Framework v1.6"


@dataclass(frozen=True)
class TermRow:
    """One term as its source states it; ``parent`` is the code of a term in the same source."""

    code: str
    label: str
    description: str = ""
    parent: str | None = None
    # The label in other languages, by code (fr, ja, ko); only the curated CSVs have them.
    translations: dict[str, str] = dataclass_field(default_factory=dict)


RowsReader = Callable[[Path], list[TermRow]]


@dataclass(frozen=True)
class Vocabulary:
    """A taxonomy and where its terms come from; ``rows`` is None when people make the terms."""

    slug: str
    name: str
    position: int
    source: str
    description: str = ""
    attribution: str = ""
    rows: RowsReader | None = None


# --- Readers ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: spreadsheet exports sometimes start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items() if key}
            for row in csv.DictReader(handle)
        ]


def disarm_red_rows(data_dir: Path) -> list[TermRow]:
    """Tactics (by phase rank), each followed by its techniques and their sub-techniques (by id).

    A technique's parent is the tactic in its ``tactic_id`` column; a sub-technique (``T0002.001``)
    hangs under its technique whatever its own ``tactic_id`` says.
    """
    tactics = sorted(
        _read_csv(data_dir / "disarm" / "tactics.csv"),
        key=lambda row: (int(row["rank"] or 0), row["disarm_id"]),
    )
    techniques = sorted(
        _read_csv(data_dir / "disarm" / "techniques.csv"), key=lambda row: row["disarm_id"]
    )
    children: dict[str, list[dict[str, str]]] = {}
    for row in techniques:
        code = row["disarm_id"]
        parent = code.split(".", 1)[0] if "." in code else row["tactic_id"]
        children.setdefault(parent, []).append(row)

    rows: list[TermRow] = []

    def visit(parent: str) -> None:
        # Depth-first, so each technique comes right after its tactic and before the next one.
        for row in children.get(parent, []):
            rows.append(TermRow(row["disarm_id"], row["name"], row["summary"], parent))
            visit(row["disarm_id"])

    for tactic in tactics:
        rows.append(TermRow(tactic["disarm_id"], tactic["name"], tactic["summary"]))
        visit(tactic["disarm_id"])
    return rows


def disarm_blue_rows(data_dir: Path) -> list[TermRow]:
    """Metatechniques (``M001`` Resilience …) as group terms, each followed by its counters by id.

    A counter listing several metatechniques ("M006 - Scoring, M005 - Removal") goes under the
    first, since a term has one parent.
    """
    metatechniques = sorted(
        _read_csv(data_dir / "disarm" / "metatechniques.csv"), key=lambda row: row["disarm_id"]
    )
    counters = sorted(
        _read_csv(data_dir / "disarm" / "countermeasures.csv"), key=lambda row: row["disarm_id"]
    )
    by_group: dict[str, list[dict[str, str]]] = {}
    for row in counters:
        group = row["metatechnique"].split(",")[0].split(" - ")[0].strip()
        by_group.setdefault(group, []).append(row)

    rows: list[TermRow] = []
    for meta in metatechniques:
        rows.append(TermRow(meta["disarm_id"], meta["name"], meta["summary"]))
        rows.extend(
            TermRow(row["disarm_id"], row["name"], row["summary"], meta["disarm_id"])
            for row in by_group.get(meta["disarm_id"], [])
        )
    # Counters without a (known) metatechnique still belong in the vocabulary, at top level.
    known = {meta["disarm_id"] for meta in metatechniques}
    for group, group_rows in sorted(by_group.items()):
        if group not in known:
            rows.extend(
                TermRow(row["disarm_id"], row["name"], row["summary"]) for row in group_rows
            )
    return rows


def country_rows(data_dir: Path) -> list[TermRow]:
    """ISO 3166-1 alpha-2 codes (upper case, as ``Organisation.country``) with English names."""
    # Stored labels must not depend on the language of whoever happens to run the loader.
    with translation.override("en"):
        return [TermRow(code, str(name)) for code, name in countries]


def language_rows(data_dir: Path) -> list[TermRow]:
    """ISO 639-1 two-letter codes (lower case) with their English reference names, by name.

    Their names in other languages come from pycountry's catalogues when shown
    (``practices.vocabularies.labels``), not from the database."""
    rows = [
        TermRow(language.alpha_2, language_english_name(language.alpha_2))
        for language in pycountry.languages
        if hasattr(language, "alpha_2")
    ]
    return sorted(rows, key=lambda row: row.label)


def curated_rows(filename: str, data_dir: Path) -> list[TermRow]:
    """A curated CSV (``code,label,description``, optionally ``label_fr``, ``label_ja``,
    ``label_ko``) in file order; an empty translation falls back to the English label."""
    return [
        TermRow(
            row["code"],
            row["label"],
            row.get("description", ""),
            translations={
                language: row[f"label_{language}"]
                for language in TRANSLATED_LANGUAGES
                if row.get(f"label_{language}")
            },
        )
        for row in _read_csv(data_dir / filename)
    ]


VOCABULARIES: tuple[Vocabulary, ...] = (
    Vocabulary(
        slug="disarm-red",
        name="DISARM Red: tactics and techniques",
        position=1,
        source=DISARM_VERSION,
        description="What the people behind an incident did: DISARM Red tactics, techniques and "
        "sub-techniques.",
        attribution=DISARM_ATTRIBUTION,
        rows=disarm_red_rows,
    ),
    Vocabulary(
        slug="disarm-blue",
        name="DISARM Blue: countermeasures",
        position=2,
        source=f"{DISARM_VERSION} (Blue framework, 2019 workshop)",
        description="What responders can do: DISARM Blue counters, grouped by metatechnique. "
        "DISARM Foundation advises caution with some of them (e.g. censorship).",
        attribution=DISARM_ATTRIBUTION,
        rows=disarm_blue_rows,
    ),
    Vocabulary(
        slug="country",
        name="Country",
        position=3,
        source="ISO 3166-1 via django-countries",
        description="Countries targeted or involved.",
        rows=country_rows,
    ),
    Vocabulary(
        slug="language",
        name="Language",
        position=4,
        source="ISO 639-1 via pycountry",
        description="Languages of the content.",
        rows=language_rows,
    ),
    Vocabulary(
        slug="platform",
        name="Platform",
        position=5,
        source="curated",
        description="Platforms and channels used.",
        rows=partial(curated_rows, "platforms.csv"),
    ),
    Vocabulary(
        slug="theme",
        name="Theme",
        position=6,
        source="curated",
        description="What the content was about.",
        rows=partial(curated_rows, "themes.csv"),
    ),
    Vocabulary(
        slug="threat-actor",
        name="Threat actor",
        position=7,
        source="curated",
        description="Kind of actor behind the incident, described generically.",
        rows=partial(curated_rows, "threat_actors.csv"),
    ),
    Vocabulary(
        slug="region",
        name="Region",
        position=8,
        source="curated",
        description="Region of the incident.",
        rows=partial(curated_rows, "regions.csv"),
    ),
    # No source: people create keyword terms, and the loader leaves them alone.
    Vocabulary(
        slug="keyword",
        name="Keyword",
        position=9,
        source="",
        description="Free keywords added by people.",
    ),
)


# --- Loader ----------------------------------------------------------------------------------


def vocabularies_load(data_dir: Path | None = None) -> dict[str, dict[str, int]]:
    """Bring every taxonomy and its terms in line with their sources, in one transaction.

    Returns, per taxonomy slug with a source, the number of terms ``created``, ``updated``
    (changed label, translations, description, parent, position or source), ``reactivated``
    (back in the source; not also counted as updated), ``deactivated`` and ``unchanged``.
    """
    data_dir = data_dir or DATA_DIR
    # Read everything first: a broken data file then fails before anything is written.
    sources = [
        (vocabulary, vocabulary.rows(data_dir) if vocabulary.rows else None)
        for vocabulary in VOCABULARIES
    ]
    for vocabulary, rows in sources:
        if rows is not None:
            _rows_check(vocabulary.slug, rows)
    counts: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for vocabulary, rows in sources:
            taxonomy, _ = Taxonomy.objects.update_or_create(
                slug=vocabulary.slug,
                defaults={
                    "name": vocabulary.name,
                    "description": vocabulary.description,
                    "source": vocabulary.source,
                    "attribution": vocabulary.attribution,
                    "position": vocabulary.position,
                },
            )
            if rows is not None:
                counts[vocabulary.slug] = _terms_sync(taxonomy, rows)
    return counts


def _terms_sync(taxonomy: Taxonomy, rows: list[TermRow]) -> dict[str, int]:
    """Make the taxonomy's terms match ``rows`` (checked) with a handful of bulk queries."""
    counts = dict.fromkeys(("created", "updated", "reactivated", "deactivated", "unchanged"), 0)
    by_code = {term.code: term for term in Term.objects.filter(taxonomy=taxonomy)}

    # New terms are created parents first, so that none is ever stored without its parent.
    pending = [row for row in rows if row.code not in by_code]
    created = {row.code for row in pending}
    positions = {row.code: index for index, row in enumerate(rows, start=1)}
    while pending:
        ready = [row for row in pending if row.parent is None or row.parent in by_code]
        if not ready:
            raise ValueError(f"{taxonomy.slug}: parents form a cycle: {pending[0].code!r}")
        Term.objects.bulk_create(
            Term(
                taxonomy=taxonomy,
                code=row.code,
                label=row.label,
                description=row.description,
                parent=by_code[row.parent] if row.parent else None,
                source=taxonomy.source,
                position=positions[row.code],
                translations=row.translations,
            )
            for row in ready
        )
        # Fetched back rather than trusting bulk_create to set primary keys on every backend.
        codes = [row.code for row in ready]
        by_code.update(
            (term.code, term) for term in Term.objects.filter(taxonomy=taxonomy, code__in=codes)
        )
        pending = [row for row in pending if row.code not in by_code]
    counts["created"] = len(created)

    # Grouped by which fields changed: bulk_update builds a CASE per field and object, so
    # sending only the changed fields keeps e.g. a shift of positions after a removal cheap.
    changed: dict[tuple[str, ...], list[Term]] = {}
    for row in rows:
        if row.code in created:
            continue
        term = by_code[row.code]
        wanted = {
            "label": row.label,
            "description": row.description,
            "parent_id": by_code[row.parent].pk if row.parent else None,
            "is_active": True,
            "source": taxonomy.source,
            "position": positions[row.code],
            "translations": row.translations,
        }
        fields = tuple(field for field, value in wanted.items() if getattr(term, field) != value)
        if not fields:
            counts["unchanged"] += 1
            continue
        counts["updated" if term.is_active else "reactivated"] += 1
        for field in fields:
            setattr(term, field, wanted[field])
        changed.setdefault(fields, []).append(term)

    listed = set(positions)
    for code, term in by_code.items():
        if code not in listed and term.is_active:
            term.is_active = False
            changed.setdefault(("is_active",), []).append(term)
            counts["deactivated"] += 1

    for fields, changed_terms in changed.items():
        Term.objects.bulk_update(changed_terms, fields, batch_size=500)
    terms_relabel_record(
        term.pk for fields, terms in changed.items() if "label" in fields for term in terms
    )
    return counts


def _rows_check(slug: str, rows: list[TermRow]) -> None:
    """Refuse a source with duplicate, empty or over-long codes/labels, or unknown parents."""
    codes: set[str] = set()
    code_max = Term._meta.get_field("code").max_length
    label_max = Term._meta.get_field("label").max_length
    for row in rows:
        if not row.code or not row.label:
            raise ValueError(f"{slug}: a term has no code or no label: {row!r}")
        if len(row.code) > code_max or len(row.label) > label_max:
            raise ValueError(f"{slug}: code or label too long: {row.code!r}")
        if row.code in codes:
            raise ValueError(f"{slug}: code {row.code!r} appears twice")
        codes.add(row.code)
    for row in rows:
        if row.parent is not None and row.parent not in codes:
            raise ValueError(f"{slug}: {row.code!r} has parent {row.parent!r}, not in the source")
