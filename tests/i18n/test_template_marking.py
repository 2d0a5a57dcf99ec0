"""Every piece of visible text in the project's templates is marked for translation.

Each template is split with Django's own template Lexer. Text between tags (outside
``blocktranslate`` and ``comment`` blocks, ``<script>``/``<style>`` and HTML comments) that
contains letters is a finding, and so are the visible attributes ``title``, ``alt``,
``placeholder`` and ``aria-label`` when their value is literal text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

from tests.i18n.catalogues import BASE_DIR

TEMPLATE_ROOTS = ["portal/templates", "accounts/templates", "practices"]
# Fixed text that is the same in every language: official names, codes and symbols. Keep it
# short; everything else a reader sees goes through {% translate %} / {% blocktranslate %}.
ALLOWED = {
    "TLP",  # Traffic Light Protocol: official English labels, kept as published
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
    "Traffic Light Protocol",
    "DISARM",  # the framework's name, and its technique/counter names, stay in English
    "API",
    "CSV",
    "JSON",
    "UUID",
    "HTTP",  # as in "HTTP 503", a status line
    ", SHA-256",  # the name of the hash shown beside an attachment's size
    "cdpe_",  # the public prefix of every API token
    "×",
    "·",
}
VISIBLE_ATTRIBUTES = re.compile(
    r"""\b(title|alt|placeholder|aria-label)\s*=\s*("([^"]*)"|'([^']*)')""", re.IGNORECASE
)
TAG = re.compile(r"<[^>]*>")
# Scripts, styles, comments and code samples (a verification snippet is code in every language).
HIDDEN_ELEMENTS = re.compile(r"<(script|style|pre)\b.*?</\1>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
LETTERS = re.compile(r"[^\W\d_]")


def template_files() -> list[Path]:
    files: list[Path] = []
    for root in TEMPLATE_ROOTS:
        base = BASE_DIR / root
        for path in sorted(base.rglob("*")):
            if "templates" in path.parts and path.suffix in {".html", ".txt"}:
                files.append(path)
    return files


def _is_allowed(text: str) -> bool:
    text = text.strip()
    return not LETTERS.search(text) or text in ALLOWED


def findings(path: Path) -> list[str]:
    """The unmarked visible strings of one template."""
    source = path.read_text(encoding="utf-8")
    found: list[str] = []
    depth = {"blocktranslate": 0, "comment": 0, "verbatim": 0}
    closers = {
        "endblocktranslate": "blocktranslate",
        "endblocktrans": "blocktranslate",
        "endcomment": "comment",
        "endverbatim": "verbatim",
    }
    text_chunks: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                depth["blocktranslate" if name.startswith("blocktrans") else name] += 1
            elif name in closers:
                depth[closers[name]] -= 1
            # A tag between two text chunks hides nothing: "{% if %}" keeps markup apart.
            text_chunks.append("\x00")
            continue
        if token.token_type == TokenType.VAR:
            text_chunks.append("\x00")
            continue
        if token.token_type != TokenType.TEXT or any(depth.values()):
            if token.token_type == TokenType.TEXT and depth["blocktranslate"]:
                text_chunks.append("\x00")
            continue
        text_chunks.append(token.contents)
    visible_source = "".join(text_chunks)
    visible_source = HIDDEN_ELEMENTS.sub(" ", visible_source)
    # Attributes first, then the text between tags.
    for match in VISIBLE_ATTRIBUTES.finditer(visible_source):
        value = match.group(3) if match.group(3) is not None else match.group(4)
        for part in value.split("\x00"):
            if not _is_allowed(html.unescape(part)):
                found.append(f'{match.group(1)}="{part.strip()}"')
    for part in TAG.split(visible_source):
        for piece in part.split("\x00"):
            text = html.unescape(piece).strip()
            if text and not _is_allowed(text):
                found.append(" ".join(text.split()))
    return found


def _id(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


OWN = [path for path in template_files() if path.relative_to(BASE_DIR).parts[0] != "practices"]
PRACTICES = [
    path for path in template_files() if path.relative_to(BASE_DIR).parts[0] == "practices"
]


def test_the_checker_finds_unmarked_text_and_accepts_marked_text(tmp_path):
    template = tmp_path / "templates" / "sample.html"
    template.parent.mkdir()
    template.write_text(
        '{% load i18n %}<h1>Plain heading</h1><p title="Plain title">{% translate "Fine" %}</p>'
        "{% blocktranslate %}Also <b>fine</b>{% endblocktranslate %}"
        "<span>TLP:AMBER</span> · {{ value }} <!-- a comment -->"
        "{% comment %}Not shown{% endcomment %}<script>var x = 'code';</script>"
        '<img alt="{% translate "Logo" %}">'
    )
    assert findings(template) == ['title="Plain title"', "Plain heading"]


@pytest.mark.parametrize("path", OWN, ids=_id)
def test_template_has_no_unmarked_text(path):
    assert findings(path) == []


@pytest.mark.parametrize("path", PRACTICES, ids=_id)
def test_practices_template_has_no_unmarked_text(path):
    # Marked on the practices branch of issue 11; fails here until that branch is merged.
    assert findings(path) == []
