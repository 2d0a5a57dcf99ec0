"""Text as people and API clients send it: one form of line ending, and the length limits.

Browsers send ``\\r\\n`` from a textarea while API clients usually send ``\\n``; stored
unnormalised, the same paragraph compares unequal, so a revision diff marks untouched fields
as changed and splits paragraphs. Every way text comes in (forms and the API) goes through
``normalise_newlines`` before it is validated or stored.
"""

from __future__ import annotations

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.functional import lazy
from django.utils.translation import gettext as _

# The longest text each free-text field of a case accepts, in characters. Generous for real
# case studies (the longest demo section is a few thousand characters); they keep a
# million-character paste out of the database, the pages and every API consumer.
SUMMARY_MAX = 2_000
AUDIENCES_MAX = 2_000
LONG_SECTION_MAX = 50_000  # incident, response, outcome, lessons, recommendations
RESOURCES_MAX = 20_000
COMMENT_MAX = 5_000  # thread comments and moderation decisions
CASE_TEXT_LIMITS = {
    "summary": SUMMARY_MAX,
    "summary_translation": SUMMARY_MAX,
    "incident": LONG_SECTION_MAX,
    "audiences": AUDIENCES_MAX,
    "response": LONG_SECTION_MAX,
    "resources": RESOURCES_MAX,
    "outcome": LONG_SECTION_MAX,
    "lessons": LONG_SECTION_MAX,
    "recommendations": LONG_SECTION_MAX,
}


def _too_long_message(limit: int) -> str:
    return _("Too long: at most %(limit)s characters. Shorten it and save again.") % {
        "limit": intcomma(limit)
    }


# Lazy: also used in class bodies (serializers), rendered in the reader's language when shown.
too_long_message = lazy(_too_long_message, str)


def normalise_newlines(value: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


class NormalisedTextMixin:
    """For forms: line endings are normalised in the submitted data before any field sees it,
    so ``max_length`` counts a line break once, as the browser's own counter does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            limit = getattr(field, "max_length", None)
            if limit:
                field.error_messages["max_length"] = too_long_message(limit)
        if self.is_bound and self.data:
            data = self.data.copy()
            if hasattr(data, "setlist"):
                for key, values in data.lists():
                    data.setlist(key, [_normalised(v) for v in values])
            else:
                data = {key: _normalised(value) for key, value in data.items()}
            self.data = data


def _normalised(value):
    return normalise_newlines(value) if isinstance(value, str) else value


class NormalisedForm(NormalisedTextMixin, forms.Form):
    pass
