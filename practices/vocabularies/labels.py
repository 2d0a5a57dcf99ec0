"""Names of terms and languages in the reader's language.

Stored labels stay in English: the search index, the API's ``label`` and the CSV export keep
them, so integrators and search see one stable name. What a person reads goes through
``term_display_label`` (``Term.display_label`` in templates), which picks by taxonomy:

- countries: django-countries' names in the active language;
- languages: pycountry's ``iso639-3`` gettext catalogue, else Django's own language names,
  else the English reference name;
- DISARM: English, as the framework publishes it;
- curated vocabularies (platforms, themes, threat actors, regions): the ``translations`` the
  loader read from the CSV's ``label_fr``/``label_ja``/``label_ko`` columns, else English.

The content language of a case (``CaseStudy.language``) is named by ``language_name``, the same
way the language terms are.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# The languages the curated vocabularies are translated into (besides English).
TRANSLATED_LANGUAGES = ("fr", "ja", "ko")
# Offered first when choosing the language a case is written in: the portal's own languages.
COMMON_CONTENT_LANGUAGES = ("en", "fr", "ja", "ko")
DEFAULT_CONTENT_LANGUAGE = "en"
DISARM = ("disarm-red", "disarm-blue")

# pycountry's reference names carry qualifiers meant for librarians, not for a tag picker.
_LANGUAGE_QUALIFIER = re.compile(r" \((macrolanguage|\d{4}-|post \d{4})\)$")
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)$")
_LANGUAGE_NAMES = {"el": "Greek"}
# Where a library's name reads wrongly to the people using the portal: Japanese officials
# working with the Republic of Korea call the language 韓国語 (pycountry has the academic 朝鮮語).
_LANGUAGE_NAME_OVERRIDES = {("ja", "ko"): "韓国語"}


def active_language() -> str:
    """The active interface language as a bare ISO 639-1 code (``en-gb`` → ``en``)."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code.split("-")[0].split("_")[0].lower()


@lru_cache(maxsize=1)
def iso639_1_codes() -> frozenset[str]:
    return frozenset(
        language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2")
    )


def language_english_name(code: str) -> str:
    """The English reference name without librarians' qualifiers ("Malay", "Greek")."""
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        return code
    return _LANGUAGE_NAMES.get(code, _LANGUAGE_QUALIFIER.sub("", language.name))


@lru_cache(maxsize=8)
def _iso639_catalogue(reader: str) -> gettext.NullTranslations:
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[reader], fallback=True)


@lru_cache(maxsize=2048)
def _language_name(code: str, reader: str) -> str:
    english = language_english_name(code)
    if reader == "en" or code not in iso639_1_codes():
        return english
    if (reader, code) in _LANGUAGE_NAME_OVERRIDES:
        return _LANGUAGE_NAME_OVERRIDES[(reader, code)]
    reference = pycountry.languages.get(alpha_2=code).name
    translated = _iso639_catalogue(reader).gettext(reference)
    if translated != reference:
        if _LANGUAGE_QUALIFIER.search(reference):
            translated = _TRAILING_PARENTHESIS.sub("", translated)
        return translated[:1].upper() + translated[1:]
    if code in LANG_INFO and "name" in LANG_INFO[code]:
        with translation.override(reader):
            return str(translation.gettext(LANG_INFO[code]["name"]))
    return english


def language_name(code: str, reader: str | None = None) -> str:
    """The name of ISO 639-1 language ``code`` in ``reader``'s language (default: active)."""
    if not code:
        return ""
    return _language_name(code, reader or active_language())


def country_name(code: str, fallback: str = "") -> str:
    """The country's name in the active language (django-countries' catalogues)."""
    return str(countries.name(code)) or fallback or code


def term_display_label(
    slug: str, code: str, label: str, translations: dict | None = None, reader: str | None = None
) -> str:
    """What a person reads for a term: see the module's docstring."""
    reader = reader or active_language()
    if slug in DISARM or reader == "en":
        return label
    if slug == "country":
        with translation.override(reader):
            return country_name(code, label)
    if slug == "language":
        return language_name(code, reader) if code in iso639_1_codes() else label
    return (translations or {}).get(reader) or label


def content_language_choices() -> list:
    """Choices for the language a case is written in, named in the reader's language: the
    portal's four languages first, then every other ISO 639-1 language by name."""
    common = [(code, language_name(code)) for code in COMMON_CONTENT_LANGUAGES]
    others = sorted(
        ((code, language_name(code)) for code in iso639_1_codes() - set(COMMON_CONTENT_LANGUAGES)),
        key=lambda choice: choice[1].casefold(),
    )
    return [(_("Portal languages"), common), (_("Other languages"), others)]


def content_language_default(interface_language: str | None) -> str:
    """The language a new case is presumed written in: the writer's interface language
    (``ja``, ``en-gb`` → ``en``), or English."""
    code = (interface_language or "").split("-")[0].split("_")[0].lower()
    return code if code in iso639_1_codes() else DEFAULT_CONTENT_LANGUAGE


def validate_language_code(value: str) -> None:
    if value not in iso639_1_codes():
        raise ValidationError(
            _(
                "“%(value)s” is not a language code: give the two-letter ISO 639-1 code, "
                "such as en, fr, ja or ko."
            ),
            code="invalid_language",
            params={"value": value},
        )
