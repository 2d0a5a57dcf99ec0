"""The browse page: search and filters over the published cases the reader may see."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from practices.cases import selectors
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.search import case_snippet

PAGE_SIZE = 20


def case_list(request: HttpRequest) -> HttpResponse:
    """Browse published cases the reader may see: full-text search and filters."""
    if not request.user.is_authenticated and not settings.PUBLIC_VIEW_ENABLED:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    filterset = CaseStudyFilterSet(
        request.GET, queryset=selectors.case_study_list(actor=request.user)
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    text = (
        filterset.form.cleaned_data.get("q") if filterset.is_bound and filterset.is_valid() else ""
    )
    if text:
        for case_study in page:
            case_study.snippet = case_snippet(case_study, text)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "practices/discovery/case_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )
