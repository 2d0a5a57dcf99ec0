"""Reading the project's gettext catalogues (.po) without extra dependencies (no polib)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Every format placeholder a translation must keep: %(name)s, %s/%d/%r, {name}.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]|%[sdr]|\{[a-z_]*\}")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translations(self) -> list[str]:
        return list(self.msgstr_plural.values()) if self.msgid_plural else [self.msgstr]


def catalogue_paths() -> list[Path]:
    """Every django.po of the project's own apps (not .venv or anything installed)."""
    return sorted(
        path
        for path in BASE_DIR.glob("*/locale/*/LC_MESSAGES/django.po")
        if not path.relative_to(BASE_DIR).parts[0].startswith(".")
    )


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the entries (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        flags: set[str] = set()
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line
            ):
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
        if "msgid" not in fields:
            continue
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgctxt=fields.get("msgctxt"),
                msgid_plural=fields.get("msgid_plural"),
                msgstr=fields.get("msgstr", ""),
                msgstr_plural={
                    int(name[7:-1]): value
                    for name, value in fields.items()
                    if name.startswith("msgstr[")
                },
                flags=flags,
            )
        )
    header_entry = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    header = {}
    if header_entry is not None:
        entries.remove(header_entry)
        for line in header_entry.msgstr.splitlines():
            name, _, value = line.partition(":")
            header[name.strip()] = value.strip()
        if "fuzzy" in header_entry.flags:
            header["#fuzzy"] = "yes"
    return header, entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))
