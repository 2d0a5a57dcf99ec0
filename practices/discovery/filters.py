"""Filters of the browse page and of the API's facet counts. Every filter here has an index
behind it. django-filter validates what the URL says; ``Selection`` (``selection.py``) applies
it, so that facet counts can leave one family out (``filtered(without=…)``)."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from practices.cases import selectors
from practices.cases.models import CaseStudy
from practices.discovery.search import kept_matches
from practices.discovery.selection import (
    CODE_PATTERN,
    EFFECTIVENESS,
    MAX_YEAR,
    MIN_YEAR,
    SORTS,
    TLPS,
    Selection,
    tags_refused,
)
from practices.sync.feed import last_seq
from practices.vocabularies.labels import iso639_1_codes, language_name

_TLP_CHOICES = [(value, label) for value, label in CaseStudy.TLP.choices if value in TLPS]
_EFFECTIVENESS_CHOICES = [
    (v, label) for v, label in CaseStudy.Effectiveness.choices if v in EFFECTIVENESS
]
_YEAR_CHOICES = [(str(y), str(y)) for y in range(MIN_YEAR, MAX_YEAR + 1)]


def written_in_choices() -> list[tuple[str, str]]:
    """Every ISO 639-1 code, named in the reader's language (evaluated per form)."""
    return [(code, language_name(code)) for code in sorted(iso639_1_codes())]


def _year_refusal() -> str:
    return gettext(
        "“%%(value)s” is not a year from %(first)s to %(last)s; it was left out. "
        "Choose from the list beside the results."
    ) % {"first": MIN_YEAR, "last": MAX_YEAR}


def tags_checked(values: list[str]) -> None:
    """Refuse a ``tag`` that is not "taxonomy:code" (``selection.TAG_PATTERN``): left out
    silently, it would widen the search it was meant to narrow."""
    if refused := tags_refused(values):
        raise forms.ValidationError(
            _(
                "“%(value)s” is not a tag such as country:JP (a vocabulary and a code); it was "
                "left out. Choose from the list beside the results."
            ),
            code="not_a_tag",  # not invalid_choice, whose message the field would put instead
            params={"value": refused[0]},
        )


def code_checked(value: str) -> None:
    """Refuse a ``region`` or ``country`` that is not one code: read as a tag, ``country=JP,KR``
    or ``country=,`` would be split and part of it left out, widening the list."""
    if not re.fullmatch(CODE_PATTERN, value):
        raise forms.ValidationError(
            _("“%(value)s” is not one code such as JP; it was left out."),
            code="not_a_code",
            params={"value": value},
        )


def _refusal(message: str) -> dict[str, str]:
    # Shown above the results; the value is left out and the rest of the search still runs.
    return {"invalid_choice": message}


class CaseStudyFilterSet(django_filters.FilterSet):
    """``q``, ``tag`` (``taxonomy:code``, repeatable), ``tlp``, ``year``, ``effectiveness``,
    the incident period and ``sort``; ``region``/``country`` from older links still work."""

    # Who reads (set by ``for_reader``): facets of the unfiltered page count from a shared
    # aggregate, which needs to know which TLPs this reader sees whole.
    actor = None

    @classmethod
    def for_reader(cls, data, *, actor) -> CaseStudyFilterSet:
        """The filters over the published cases ``actor`` may read: where the browse page, its
        CSV export, the facets API and saved-search alerts all start (``visible_to``)."""
        filterset = cls(data, queryset=selectors.case_study_list(actor=actor))
        filterset.actor = actor
        return filterset

    q = django_filters.CharFilter(
        label=_("Search"),
        help_text=_('Words, "exact phrase", OR, -exclude. Codes such as T0086 work too.'),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tag = django_filters.MultipleChoiceFilter(
        label=_("Tags"), choices=[], validators=[tags_checked]
    )
    tlp = django_filters.MultipleChoiceFilter(
        label="TLP",
        choices=_TLP_CHOICES,
        error_messages=_refusal(
            _(
                "“%(value)s” is not a TLP label shared here; it was left out. "
                "Choose from the list beside the results."
            )
        ),
    )
    year = django_filters.MultipleChoiceFilter(
        label=_("Incident year"),
        choices=_YEAR_CHOICES,
        error_messages=_refusal(lazy(_year_refusal, str)()),
    )
    effectiveness = django_filters.MultipleChoiceFilter(
        label=_("Effectiveness"),
        choices=_EFFECTIVENESS_CHOICES,
        error_messages=_refusal(
            _(
                "“%(value)s” is not an effectiveness rating; it was left out. "
                "Choose from the list beside the results."
            )
        ),
    )
    written_in = django_filters.MultipleChoiceFilter(
        label=_("Written in"),
        choices=written_in_choices,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a language code; it was left out. "
                "Choose from the list beside the results."
            )
        },
    )
    # Not stripped: a value of white space is not "no value" but no code (``code_checked``).
    region = django_filters.CharFilter(label=_("Region"), strip=False, validators=[code_checked])
    country = django_filters.CharFilter(label=_("Country"), strip=False, validators=[code_checked])
    period_from = django_filters.DateFilter(
        label=_("Incident active on or after"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = django_filters.DateFilter(
        label=_("Incident active on or before"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=list(SORTS.items()),
        error_messages=_refusal(
            _(
                "“%(value)s” is not a sort order; it was left out. "
                "Choose from the list beside the results."
            )
        ),
    )

    class Meta:
        model = CaseStudy
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any term of any taxonomy may be asked for; unknown ones simply match nothing.
        tags = self.data.getlist("tag") if hasattr(self.data, "getlist") else []
        self.filters["tag"].extra["choices"] = [(t, t) for t in tags]

    @cached_property
    def selection(self) -> Selection:
        """The valid part of the request (a value that does not validate is left out and
        its error shown on the form)."""
        if not self.is_bound:
            return Selection()
        self.form.is_valid()
        cleaned = dict(self.form.cleaned_data)
        for name in ("tlp", "year", "effectiveness", "written_in"):
            if name in self.form.errors and hasattr(self.data, "getlist"):
                # One bad value refuses the whole field; keep the good ones, as the message says.
                # The form field's choices: a filter's may be a callable (``written_in``).
                valid = {str(value) for value, _ in self.form.fields[name].choices}
                cleaned[name] = [v for v in self.data.getlist(name) if v in valid]
        if "tag" in self.form.errors and hasattr(self.data, "getlist"):
            cleaned["tag"] = self.data.getlist("tag")  # tags_parse leaves out the bad parts
        return Selection.from_cleaned(cleaned)

    @cached_property
    def searched(self) -> QuerySet[CaseStudy]:
        return self.selection.search(self.queryset.all(), reader=self.actor, seq=self.seq)

    def filtered(self, *, without: str | None = None) -> QuerySet[CaseStudy]:
        """The list's cases, or those it would hold with family ``without`` not chosen."""
        if without is None:
            return self._listed
        return self.selection.narrow(self.searched, without=without)

    @cached_property
    def _listed(self) -> QuerySet[CaseStudy]:
        """The list's cases. A search narrowed by filters is read once, as ids in the search's
        order, as the search itself is (``search.search_matches``): its page, its number and
        its facet counts then work from ``pk = ANY(ids)`` on the reader's queryset, which
        still applies the reader's visibility to every row, instead of each applying the
        filters to the search's 2 000 matches again (12-16 ms each at 100 000 cases)."""
        narrowed = self.selection.narrow(self.searched)
        ranked = getattr(self.searched, "ranked", None)
        if ranked is None or narrowed is self.searched:  # no search, or nothing narrows it
            return narrowed
        found = set(narrowed.order_by().values_list("pk", flat=True))
        kept = [pk for pk in ranked if pk in found]
        return kept_matches(self.queryset.all(), kept, cut=self.searched.cut, fresh=True)

    @cached_property
    def seq(self) -> int:
        """The change feed's last number, read once per request: every count of the request
        that is cached (shared aggregates, ``counted``) is read and kept under it."""
        return last_seq()

    def filter_queryset(self, queryset: QuerySet[CaseStudy]) -> QuerySet[CaseStudy]:
        return self.filtered()
