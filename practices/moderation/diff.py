"""Word-level differences between the published case and a revision, as safe HTML."""

from __future__ import annotations

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from practices.cases.text import normalise_newlines

_TOKENS = re.compile(r"\s+|[^\s]+")


def diff_html(before: str, after: str) -> SafeString:
    """Removed words in <del>, added words in <ins>; everything escaped first."""
    before, after = normalise_newlines(before or ""), normalise_newlines(after or "")
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
