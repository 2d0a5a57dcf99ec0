"""The DISARM matrix (Red and Blue views), its Navigator layer and "what worked against …":
pages over the published cases the reader may see, following the browse page's search and
filters (the same query string, so a search moves between them unchanged)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import member_required, two_factor_missing
from practices.cases.querysets import actor_owns
from practices.cases.selectors import case_study_get
from practices.discovery.browse import COUNT_CAP, capped_count, filter_chips
from practices.discovery.export import CSV_LANGUAGE
from practices.discovery.export import _cell as csv_cell
from practices.discovery.facets import selected_terms
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.views import sign_in_first
from practices.exceptions import LinkRefused
from practices.hub.adoptions import EFFECT_SCORE_MAX, most_adopted
from practices.insights import charts, links, selectors, services, theatres
from practices.insights.navigator import navigator_layer

# State kept by the search form as hidden fields; "q" is the form's own field.
_FORM_FIELDS = {"q"}


def _page_context(filterset: CaseStudyFilterSet, *, without: str) -> dict:
    """What every page here shows about the current search: its chips (each removable, staying
    on this page), how many cases it counts (the family ``without`` left out) and the form."""
    selection = filterset.selection
    found = capped_count(filterset.filtered(without=without))
    counted = selectors.leaving_out(selection, without)
    return {
        "filter": filterset,
        "selection": selection,
        "query": selection.query(),
        "counted_query": counted.query(),
        "chips": filter_chips(selection, selected_terms(selection, readable=filterset.queryset)),
        "hidden": [(k, v) for k, v in selection.pairs() if k not in _FORM_FIELDS],
        "found": min(found, COUNT_CAP),
        "capped": found > COUNT_CAP,
        "count_cap": COUNT_CAP,
        # Reversed once: the pages write a link to the list for each of their figures.
        "list_url": reverse("practices:case-list"),
    }


def matrix_red(request: HttpRequest) -> HttpResponse:
    """DISARM Red: tactics as columns in phase order, each technique with its number of
    matching cases, linking to them."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    context = _page_context(filterset, without=selectors.RED)
    context.update(matrix=selectors.disarm_matrix(filterset), view="red")
    return render(request, "practices/insights/matrix.html", context)


def matrix_blue(request: HttpRequest) -> HttpResponse:
    """DISARM Blue: the counters the matching cases used, with how well they worked."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    context = _page_context(filterset, without=selectors.BLUE)
    context.update(
        groups=selectors.counter_use(filterset),
        effectiveness=[selectors.effectiveness_label(v) for v in selectors.EFFECTIVENESS_ORDER],
        view="blue",
    )
    return render(request, "practices/insights/matrix_blue.html", context)


def matrix_navigator_layer(request: HttpRequest) -> HttpResponse:
    """The matrix of the current search as a DISARM Navigator layer (a JSON download)."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    matrix = selectors.disarm_matrix(filterset)
    chips = filter_chips(matrix.base, selected_terms(matrix.base, readable=filterset.queryset))
    browse = reverse("practices:case-list")
    layer = navigator_layer(
        matrix,
        list_url=lambda query: request.build_absolute_uri(f"{browse}?{query}"),
        search="; ".join(chip.label for chip in chips),
        site=request.get_host(),
    )
    response = JsonResponse(layer, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = 'attachment; filename="disarm-navigator-layer.json"'
    return response


def what_worked(request: HttpRequest, taxonomy: str, code: str) -> HttpResponse:
    """What worked against a technique (or theme, country, platform, threat actor, region):
    the responses of the matching cases, by DISARM Blue counter."""
    if response := sign_in_first(request):
        return response
    subject = selectors.subject_get(taxonomy, code)
    if subject is None:
        raise Http404("No such term.")
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    answer = selectors.what_worked(filterset, subject)
    selection = filterset.selection
    # The filters the figures apply: not a DISARM Blue choice (the figures break down by
    # counter) nor another value of the subject's own taxonomy (the subject replaces it).
    applied = selectors.leaving_out(selection, selectors.BLUE, taxonomy)
    return render(
        request,
        "practices/insights/what_worked.html",
        {
            "answer": answer,
            "subject": subject,
            "taxonomy_name": selectors.SUBJECTS[taxonomy],
            "selection": selection,
            "query": selection.query(),
            "chips": filter_chips(applied, selected_terms(applied, readable=filterset.queryset)),
            "matrix_query": selectors.leaving_out(selection, selectors.RED).query(),
            "list_url": reverse("practices:case-list"),
        },
    )


# --- Case links --------------------------------------------------------------------------------


def _refuse_without_two_factor(actor, case_study) -> None:
    # Linking another organisation's case is a moderator's power: like every other, only
    # with two-factor authentication set up.
    if not actor_owns(actor, case_study) and two_factor_missing(actor):
        raise PermissionDenied(_("Set up two-factor authentication first."))


@member_required
def case_link_create(request: HttpRequest, uuid) -> HttpResponse:
    """Link the case to another one the person may read (the form is on the case page; this
    page shows it again with what to correct)."""
    case_study = case_study_get(actor=request.user, uuid=uuid)
    if not services.may_link_from(request.user, case_study):
        raise PermissionDenied(
            _("Only members of the case's organisation and moderators may link it to other cases.")
        )
    _refuse_without_two_factor(request.user, case_study)
    form = links.CaseLinkForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            target = links.case_by_reference(actor=request.user, text=form.cleaned_data["to_case"])
            try:
                services.case_link_create(
                    actor=request.user,
                    from_case=case_study,
                    to_case=target,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                )
            except LinkRefused as exc:
                form.add_error(exc.field or None, str(exc))
            else:
                messages.success(request, _("The cases are linked."))
                return redirect(reverse("practices:case-detail", args=[case_study.uuid]) + "#links")
        status = 400
    return render(
        request,
        "practices/insights/case_link_form.html",
        {"case": case_study, "form": form},
        status=status,
    )


@require_POST
@member_required
def case_link_delete(request: HttpRequest, uuid, link_uuid) -> HttpResponse:
    """Remove a link of the case (the organisation that made it, or a moderator)."""
    case_study = case_study_get(actor=request.user, uuid=uuid)
    link = links.case_link_get(actor=request.user, case_study=case_study, link_uuid=link_uuid)
    if link is None:
        raise Http404("No such link.")
    _refuse_without_two_factor(request.user, link.from_case)
    services.case_link_delete(actor=request.user, link=link)
    messages.success(request, _("The link is removed."))
    return redirect(reverse("practices:case-detail", args=[case_study.uuid]) + "#links")


def insights(request: HttpRequest) -> HttpResponse:
    """Cases over time, by region and theme, the effectiveness of responses and the most
    frequent techniques with their counters: charts with their tables, for the current search."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    # Each chart leaves out its own family; the page says how many the whole search matches.
    context = _page_context(filterset, without="")
    context.update(
        answer=charts.insights(filterset),
        adopted=most_adopted(cases=selectors.counted_cases(filterset), actor=request.user),
        score_max=EFFECT_SCORE_MAX,
        view="insights",
    )
    return render(request, "practices/insights/insights.html", context)


def insights_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart of the insights page as CSV (the figures of the page, nothing more)."""
    if response := sign_in_first(request):
        return response
    if chart not in charts.CHARTS:
        raise Http404("No such chart.")
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    browse = reverse("practices:case-list")
    # Labels in the CSV's language, whatever the reader's, as the list's own export.
    with translation.override(CSV_LANGUAGE):
        if chart == charts.ADOPTED:
            rows = charts.adopted_rows(
                most_adopted(cases=selectors.counted_cases(filterset), actor=request.user),
                lambda uuid: request.build_absolute_uri(
                    reverse("practices:case-detail", args=[uuid]) + "#adoptions"
                ),
            )
        else:
            rows = charts.csv_rows(
                charts.insights(filterset),
                chart,
                lambda query: request.build_absolute_uri(f"{browse}?{query}"),
            )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{chart}.csv"'
    return response


def across_theatres(request: HttpRequest) -> HttpResponse:
    """Euro-Atlantic and Indo-Pacific cases side by side: what they share, since when, and the
    responses that worked in one and were not yet tried in the other."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    context = _page_context(filterset, without=theatres.REGION)
    context.update(answer=theatres.across_theatres(filterset), view="theatres")
    return render(request, "practices/insights/theatres.html", context)
