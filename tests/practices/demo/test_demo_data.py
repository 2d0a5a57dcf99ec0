"""The demo data file is read strictly: a wrong, missing or mistyped key stops the load and the
error names the case, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from practices.demo.case_file import CASES, DATA_FILE, cases_load

CASE = """\
- title: A case (demo)
  organisation: demo-ee-gco
  author: member@ee.demo
  status: draft
  tlp: clear
  drafted: 2025-01-06
  summary: >
    Two lines that
    become one.
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return cases_load(path)


def test_the_shipped_file_holds_the_demo_cases():
    assert DATA_FILE.is_file()
    assert len(CASES) == 32


def test_a_valid_case_is_read_with_prose_on_one_line(tmp_path):
    (case,) = load(tmp_path, CASE)
    assert case.summary == "Two lines that become one."
    assert case.drafted.isoformat() == "2025-01-06"
    assert case.steps == ("draft",)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (CASE + "  tlp_colour: amber\n", r"case 1 \(A case \(demo\)\): unknown keys tlp_colour"),
        (CASE.replace("  tlp: clear\n", ""), r"case 1 \(A case \(demo\)\): missing keys tlp"),
        (CASE.replace("- title: A case (demo)\n  ", "- "), r"case 1: missing keys title"),
        (CASE + "  countries: [NO]\n", r"\(A case \(demo\)\): countries must be a list of text"),
        (CASE.replace("2025-01-06", "'6 Jan 2025'"), r"drafted must be a date"),
        (CASE.replace("status: draft", "status: done"), r"status must be one of draft, "),
        (CASE + "  references: [{url: https://example.org/}]\n", r"references must be a list"),
        (CASE + "  comments: {published: Fine.}\n", r"comments must map some of"),
        (CASE + CASE, r"titles used more than once: A case \(demo\)"),
    ],
)
def test_a_mistake_is_refused_naming_the_case(tmp_path, text, error):
    with pytest.raises(ValueError, match=error):
        load(tmp_path, text)
