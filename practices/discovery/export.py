"""The browse page's result list as CSV: the same search, filters and visibility, streamed.

Only what the reader may read goes in: the list comes from the same ``visible_to`` queryset as
the page, an anonymised case shows "A partner organisation (region)" like everywhere else, and
the recipient list (which only the originator and moderators see) is left out. Cells that a
spreadsheet would run as a formula are neutralised.

The CSV is data for tools and spreadsheets, so it does not follow the reader's interface
language: column headers and the labels in its cells (TLP, effectiveness, evidence, "A partner
organisation") are always in English (``CSV_LANGUAGE``), so a script that reads the export
works the same for every reader. The case text itself is the author's, in whatever language
it was written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from practices.audit.models import AuditEvent
from practices.audit.records import audit_record
from practices.cases.models import CaseStudy
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.views import sign_in_first

# Taxonomies given a column of their own, with what the column is called.
TAG_COLUMNS = {
    "disarm-red": "DISARM techniques",
    "disarm-blue": "DISARM counters",
    "country": "Countries",
    "region": "Regions",
    "theme": "Themes",
    "platform": "Platforms",
    "threat-actor": "Threat actors",
    "language": "Languages",
    "keyword": "Keywords",
}
TEXT_COLUMNS = {
    "summary": "Summary",
    "incident": "Incident",
    "response": "Response",
    "outcome": "Outcome",
    "lessons": "Lessons",
    "recommendations": "Recommendations",
}
# The CSV's language, whatever the reader's (see the module's docstring).
CSV_LANGUAGE = "en-gb"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


class _Echo:
    """A file-like object whose ``write`` hands the line back, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula runs in spreadsheets (CSV injection): make it text.
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _originator(case: CaseStudy) -> str:
    organisation = case.organisation
    if getattr(case, "originator_visible", False):
        return organisation.name
    return f"A partner organisation ({organisation.get_region_display()})"


def _rows(cases, site: str) -> Iterator[list[str]]:
    yield [
        "UUID",
        "Link",
        "Title",
        "Originator",
        "TLP",
        "Published",
        "Incident start",
        "Incident end",
        "Effectiveness",
        "Evidence",
        "Written in",
        "Summary translation",
        "Summary translation language",
        *TEXT_COLUMNS.values(),
        *TAG_COLUMNS.values(),
    ]
    for case in cases:
        # Rendered in the CSV's language; the override ends before the row is handed on.
        with translation.override(CSV_LANGUAGE):
            row = _row(case, site)
        yield row


def _row(case: CaseStudy, site: str) -> list[str]:
    tags: dict[str, list[str]] = {slug: [] for slug in TAG_COLUMNS}
    for term in case.terms.all():
        if term.taxonomy.slug in tags:
            code = f"{term.code} " if term.taxonomy.slug.startswith("disarm") else ""
            tags[term.taxonomy.slug].append(f"{code}{term.label}")
    return [
        _cell(value)
        for value in [
            case.uuid,
            site + reverse("practices:case-detail", args=[case.uuid]),
            case.title,
            _originator(case),
            case.get_tlp_display(),
            case.published_at.date().isoformat() if case.published_at else "",
            case.incident_start.isoformat() if case.incident_start else "",
            case.incident_end.isoformat() if case.incident_end else "",
            case.get_effectiveness_display(),
            case.get_evidence_display() if case.evidence else "",
            case.language,
            case.summary_translation,
            case.summary_translation_language,
            *(getattr(case, field) for field in TEXT_COLUMNS),
            *("; ".join(values) for values in tags.values()),
        ]
    ]


def case_list_csv(request: HttpRequest):
    """``/cases/export.csv?<the browse page's query>``: every matching case, streamed."""
    if response := sign_in_first(request):
        return response
    filterset = CaseStudyFilterSet.for_reader(request.GET, actor=request.user)
    if not filterset.is_valid():
        # The page leaves a bad value out and says so beside the results; a file has nowhere
        # to say it, and would hold more cases than were asked for.
        problems = " ".join(
            str(message) for messages in filterset.form.errors.values() for message in messages
        )
        return HttpResponseBadRequest(
            _("This download's filters are not valid: %(problems)s") % {"problems": problems},
            content_type="text/plain; charset=utf-8",
        )
    cases = filterset.qs.iterator(chunk_size=CHUNK)
    if request.user.is_authenticated:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.DOWNLOAD,
            obj=request.user,
            changes={"export": ["", request.GET.urlencode()[:500]]},
        )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _rows(cases, settings.SITE_URL.rstrip("/"))),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
