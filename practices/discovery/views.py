"""The browse page (search, facets with counts, removable chips, sort, page numbers) and the
term search behind its pickers, over the published cases the reader may see."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from practices.discovery.browse import (
    COUNT_CAP,
    CappedPaginator,
    filter_chips,
    removal_suggestions,
)
from practices.discovery.facets import case_facets, selected_terms, term_label
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.search import NEWEST_MATCHES, case_snippet
from practices.discovery.selection import DISARM, SORTS, TAXONOMY_FACETS
from practices.moderation.keywords import KEYWORD
from practices.vocabularies.labels import active_language
from practices.vocabularies.models import Term

PAGE_SIZE = 20
TERM_SEARCH_LIMIT = 20
# State kept by the form as hidden fields; the rest are the form's own fields.
_FORM_FIELDS = {"q", "period_from", "period_to", "sort"}


def sign_in_first(request: HttpRequest) -> HttpResponse | None:
    """Visitors are sent to sign in unless the public view is on (the page and its export)."""
    if not request.user.is_authenticated and not settings.PUBLIC_VIEW_ENABLED:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    return None


def case_list(request: HttpRequest) -> HttpResponse:
    """Browse published cases the reader may see: full-text search, facets and filters."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    selection = filterset.selection
    paginator = CappedPaginator(
        selection.ordered(filterset.qs), PAGE_SIZE, bounded=bool(selection.text)
    )
    page = paginator.get_page(request.GET.get("page"))
    if selection.text:
        for case_study in page:
            case_study.snippet = case_snippet(case_study, selection.text)

    facets = case_facets(filterset)
    links = selection.toggling()
    for facet in facets:
        for value in facet.top + facet.rest:  # the values written out (not the unlisted)
            value.href = links.href(value.name, value.value, selected=value.selected)
    chips = filter_chips(selection, selected_terms(selection, readable=filterset.queryset))
    suggestions = []
    if paginator.count == 0 and chips:
        suggestions = removal_suggestions(
            filterset.queryset, chips, reader=request.user, seq=filterset.seq
        )
    return render(
        request,
        "practices/discovery/case_list.html",
        {
            "filter": filterset,
            "selection": selection,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2),
            "capped": getattr(paginator, "capped", False),
            "count_cap": COUNT_CAP,
            "newest_matches": NEWEST_MATCHES,
            "search_cut": getattr(filterset.searched, "cut", False),
            "facets": facets,
            "chips": chips,
            "suggestions": suggestions,
            "sorts": SORTS,
            "hidden": [(k, v) for k, v in selection.pairs() if k not in _FORM_FIELDS],
            "query": selection.query(),
        },
    )


def _terms_named(terms, text: str):
    """The terms whose English label or code, or whose name in the active language, holds
    ``text`` (case-insensitively)."""
    wanted = text.casefold()
    matching = [
        term.pk
        for term in terms.select_related("taxonomy")
        if any(wanted in name.casefold() for name in (term.label, term.code, term.display_label))
    ]
    return terms.filter(pk__in=matching)


def case_terms(request: HttpRequest) -> HttpResponse:
    """The term search of the facet pickers: terms of one taxonomy whose label or code holds
    what was typed, each a link to the current search with that term added.

    ``?taxonomy=country&q=jap&state=<the browse query string>``; ``fragment=1`` answers just
    the list, for the picker's script; without it, a page (the picker works without script).
    Vocabulary terms are not secret; free keywords are, so a keyword is listed only when a
    case the reader may read carries it.
    """
    if response := sign_in_first(request):
        return response
    slug = request.GET.get("taxonomy", "")
    text = " ".join(request.GET.get("q", "").split())[:100]
    state = QueryDict(request.GET.get("state", ""))
    filterset = CaseStudyFilterSet.for_reader(state, actor=request.user)
    readable, selection = filterset.queryset, filterset.selection
    if slug not in TAXONOMY_FACETS and slug != KEYWORD:
        return render(
            request,
            "practices/discovery/term_search.html",
            {
                "error": _(
                    "There is no such vocabulary to search. Go back to the results and "
                    "use the search box under one of the filters."
                ),
                "title": _("term"),
                "terms": [],
            },
            status=400,
        )
    terms = Term.objects.of(slug).active()
    if slug == KEYWORD:
        terms = terms.used_on(readable)
    if text and slug not in DISARM and slug != KEYWORD and active_language() != "en":
        # Named in the reader's language (a few hundred terms at most): match that name too.
        terms = _terms_named(terms, text)
    elif text:
        terms = terms.filter(Q(label__icontains=text) | Q(code__icontains=text))
    browse = reverse("practices:case-list")
    found = []
    for term in terms.order_by("label", "code")[:TERM_SEARCH_LIMIT]:
        value = f"{slug}:{term.code}"
        found.append(
            {
                "label": term_label(slug, term.code, term.label, term.translations),
                "selected": selection.has("tag", value),
                "href": f"{browse}?{selection.adding('tag', value).query()}",
            }
        )
    fragment = request.GET.get("fragment") == "1"
    return render(
        request,
        f"practices/discovery/{'term_options' if fragment else 'term_search'}.html",
        {
            "terms": found,
            "text": text,
            "title": TAXONOMY_FACETS.get(slug, _("Keyword")),
            "back": reverse("practices:case-list") + "?" + selection.query(),
        },
    )
