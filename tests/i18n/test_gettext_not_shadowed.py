"""``_`` is gettext everywhere: a function that also unpacks into ``_`` (``a, _, b = …``) makes
it a local string and its ``_("…")`` fails at run time, only on the path that translates.
That happened twice while the strings were marked; this keeps it from coming back."""

from __future__ import annotations

import ast

from tests.i18n.catalogues import BASE_DIR

PACKAGES = ("accounts", "outbox", "portal", "practices")


def _shadowing_functions() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                inner = list(ast.walk(node))
                assigns = any(
                    isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                    for n in inner
                )
                calls = any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                    for n in inner
                )
                if assigns and calls:
                    found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno} {node.name}")
    return found


def test_no_function_uses_underscore_both_as_gettext_and_as_a_variable():
    assert _shadowing_functions() == []


def test_the_check_finds_a_shadowed_gettext(tmp_path, monkeypatch):
    sample = tmp_path / "portal" / "sample.py"
    sample.parent.mkdir()
    sample.write_text('def f(text):\n    a, _, b = text.partition(":")\n    return _("x")\n')
    monkeypatch.setattr("tests.i18n.test_gettext_not_shadowed.BASE_DIR", tmp_path)
    assert _shadowing_functions() == ["portal/sample.py:1 f"]
