"""The search syntax, read the same way on both databases (PostgreSQL's ``websearch_to_tsquery``
rules): words must all match, ``"exact phrase"``, ``a OR b``, ``-word`` excludes.

    elections "foreign interference" Japan OR Korea -satire

is ``elections AND "foreign interference" AND (Japan OR Korea) AND NOT satire``. A term in a
script written without spaces between words (Japanese, Korean, Chinese) matches as a substring,
since word boundaries cannot be found there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_STRIP = re.compile(r"[^\w\s.\-']", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query."""

    text: str
    phrase: bool = False
    negated: bool = False

    @property
    def unspaced(self) -> bool:
        """Written in a script without spaces between words: matched as a substring."""
        return any(_unspaced_char(c) for c in self.text)


@dataclass
class Query:
    """``groups`` are ANDed; the terms of one group are ORed."""

    groups: list[list[Term]] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    @property
    def positive_terms(self) -> list[Term]:
        return [term for term in self.terms if not term.negated]

    def __bool__(self) -> bool:
        return bool(self.positive_terms)


def _unspaced_char(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def _clean(text: str) -> str:
    # Punctuation means nothing to either engine, and FTS5 would read some of it as syntax.
    return " ".join(_STRIP.sub(" ", text).split())


def parse(text: str) -> Query:
    """Read a query typed by a person; anything unusable is dropped rather than refused."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_LENGTH]
    query = Query()
    pending_or = False
    for match in _TOKEN.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None and word.upper() == "OR":
            pending_or = bool(query.groups)
            continue
        negated = bool(minus) or (word is not None and word.startswith("-") and len(word) > 1)
        raw = phrase if phrase is not None else word.lstrip("-")
        cleaned = _clean(raw)
        if not cleaned:
            continue
        term = Term(cleaned, phrase=phrase is not None and " " in cleaned, negated=negated)
        if pending_or and not negated and not any(t.negated for t in query.groups[-1]):
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
        if len(query.terms) >= MAX_TERMS:
            break
    return query
