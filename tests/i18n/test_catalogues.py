"""Every catalogue of the project is complete and its committed .mo is what its .po compiles to.

The .mo files are committed (a fresh clone needs no gettext tools), so the test compares the
compiled contents, read with the standard library, with the .po they come from.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.catalogues import BASE_DIR, catalogue_paths, placeholders, read_po

PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
}
PATHS = catalogue_paths()


def _id(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


def test_every_app_with_strings_has_a_catalogue_per_language():
    languages = {code for code, _ in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    for app in ("portal", "accounts", "outbox"):
        for language in languages:
            assert (BASE_DIR / app / "locale" / language / "LC_MESSAGES" / "django.po").exists(), (
                app,
                language,
            )


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_catalogue_is_complete_without_fuzzy_entries(path):
    header, entries = read_po(path)
    language = path.parts[-3]

    assert header.get("Language") == language
    assert header.get("Plural-Forms") == PLURAL_FORMS[language]
    assert "#fuzzy" not in header
    assert entries, "an empty catalogue"
    fuzzy = [entry.key for entry in entries if "fuzzy" in entry.flags]
    untranslated = [entry.key for entry in entries if not all(entry.translations)]
    assert fuzzy == [], f"{_id(path)}: fuzzy entries"
    assert untranslated == [], f"{_id(path)}: untranslated entries"
    nplurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    wrong_plurals = [
        entry.key
        for entry in entries
        if entry.msgid_plural and sorted(entry.msgstr_plural) != list(range(nplurals))
    ]
    assert wrong_plurals == []


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_translations_keep_every_placeholder(path):
    _, entries = read_po(path)
    wrong = []
    for entry in entries:
        wanted = placeholders(entry.msgid_plural or entry.msgid)
        for translation in entry.translations:
            # A singular form may leave out the number (ja/ko have one form for all counts).
            found = placeholders(translation)
            if found != wanted and not (entry.msgid_plural and found == placeholders(entry.msgid)):
                wrong.append((entry.key, translation))
    assert wrong == []


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_committed_mo_matches_the_po(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{_id(mo)} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    _, entries = read_po(path)
    expected = {}
    for entry in entries:
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(entry.key, index)] = text
        else:
            expected[entry.key] = entry.msgstr
    compiled = {key: value for key, value in compiled.items() if key != ""}
    assert compiled == expected, f"{_id(mo)} is stale: run `make messages`"
