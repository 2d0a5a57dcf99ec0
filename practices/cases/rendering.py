"""Cases rendered for the API, the change feed and webhooks, without serializer machinery.

``CaseStudySerializer`` (``representation``) describes the output and stays the schema; this
module produces exactly its output — same keys, order, types and nulls — from the case rows
plus one ``.values()`` query per relation for the whole page, with URLs substituted into a
template reversed once. Profiles of list and feed pages spent most of their time in
``prefetch_related`` (per-row queryset clones), DRF's per-field calls and ``reverse()`` per
case; none of that depends on the number of cases any more. A regression test compares the
two renderings so they cannot drift.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from practices.cases.models import Attachment, CaseStudy, Reference
from practices.cases.querysets import actor_moderates, actor_owns
from practices.vocabularies.loaders import DISARM_ATTRIBUTION

# Stand-ins reversed once; real uuids are substituted for them. Hex and hyphens pass through
# reverse() and build_absolute_uri() unquoted, so substituting gives the same string.
_CASE = "00000000-0000-4000-8000-00000000000c"
_FILE = "00000000-0000-4000-8000-00000000000f"

# The order of CaseStudySerializer.Meta.fields, which the rendering must keep.
_TEXT_BEFORE_ORIGINATOR = ("status", "tlp", "attribution_mode")
_TEXT_AFTER_ORIGINATOR = (
    "title", "summary", "language", "summary_translation", "summary_translation_language",
    "incident", "attribution_confidence", "audiences",
)  # fmt: skip
_RESPONSE_TEXT = ("response", "responders")
_RESOURCES_TO_RECOMMENDATIONS = (
    "resources", "outcome", "effectiveness", "evidence", "lessons", "recommendations",
)  # fmt: skip


class Links:
    """Absolute links to cases and attachments: from the request when there is one, else
    (webhook payloads, built by a task) from SITE_URL — as the serializer builds them."""

    def __init__(self, request=None) -> None:
        self._case = self._absolute(request, reverse("api:case-detail", args=[_CASE])).split(_CASE)
        attachment = self._absolute(request, reverse("api:case-attachment", args=[_CASE, _FILE]))
        self._file_head, rest = attachment.split(_CASE)
        self._file_middle, self._file_tail = rest.split(_FILE)

    @staticmethod
    def _absolute(request, path: str) -> str:
        if request is not None:
            return request.build_absolute_uri(path)
        return settings.SITE_URL + path

    def case(self, case_uuid: str) -> str:
        return case_uuid.join(self._case)

    def attachment(self, case_uuid: str, attachment_uuid: str) -> str:
        return f"{self._file_head}{case_uuid}{self._file_middle}{attachment_uuid}{self._file_tail}"


@dataclass(frozen=True)
class Part:
    """A part of a case's representation that a higher room owns (the hub's adoptions).

    The lower room may not import it; ``PracticesConfig.ready()`` installs it here. ``load``
    reads the part for a whole page of cases in one query (case id → rows); ``render`` shapes
    one case's rows for one reader (the ``actor`` the page, feed or webhook is for).
    ``CaseStudySerializer`` declares each part's field, so the schema describes it.
    """

    key: str
    load: Callable[[list[int]], dict[int, list]]
    render: Callable[[list, Any], Any]


# In the order of CaseStudySerializer.Meta.fields (after "attribution").
PART_KEYS = ("adoptions",)
_parts: dict[str, Part] = {}


def part_install(part: Part) -> None:
    if part.key not in PART_KEYS:
        raise ImproperlyConfigured(f"CaseStudySerializer declares no {part.key!r} field.")
    _parts[part.key] = part


def _installed_parts() -> list[Part]:
    missing = [key for key in PART_KEYS if key not in _parts]
    if missing:
        raise ImproperlyConfigured(
            f"Nothing renders the case's {missing!r}; practices.apps.PracticesConfig.ready() "
            "installs the parts."
        )
    return [_parts[key] for key in PART_KEYS]


def part_render(key: str, case: CaseStudy, actor) -> Any:
    """One part of one case, for the serializer (the schema's reference output)."""
    part = next(p for p in _installed_parts() if p.key == key)
    return part.render(part.load([case.pk]).get(case.pk, []), actor)


def datetime_render(value: datetime.datetime | None) -> str | None:
    """A timestamp as the API writes it (DRF's DateTimeField, in the current time zone)."""
    return _datetime(value, timezone.get_current_timezone())


@dataclass
class Relations:
    """A page's terms, references, attachments, (when asked for) recipients, and the parts
    higher rooms add, by case id."""

    terms: dict[int, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))
    references: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))
    attachments: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    recipients: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    parts: dict[str, dict[int, list]] = field(default_factory=dict)


def relations_load(case_ids: Sequence[int], *, recipients: bool) -> Relations:
    """One query per relation (and part) for all these cases, each in the order the serializer
    shows."""
    loaded = Relations()
    if not case_ids:
        return loaded
    ids = list(case_ids)
    for part in _installed_parts():
        loaded.parts[part.key] = part.load(ids)
    terms = (
        CaseStudy.terms.through.objects.filter(casestudy_id__any=ids)
        .order_by("term__taxonomy__position", "term__position", "term__code")
        .values_list("casestudy_id", "term__taxonomy__slug", "term__code", "term__label")
    )
    for case_id, taxonomy, code, label in terms:
        loaded.terms[case_id].append((taxonomy, code, label))
    references = (
        Reference.objects.filter(case_study_id__any=ids)
        .order_by("position", "id")
        .values_list("case_study_id", "url", "title", "archive_url")
    )
    for case_id, url, title, archive_url in references:
        loaded.references[case_id].append({"url": url, "title": title, "archive_url": archive_url})
    attachments = (
        Attachment.objects.filter(case_study_id__any=ids)
        .order_by("uploaded_at", "id")
        .values_list("case_study_id", "uuid", "filename", "content_type", "size", "sha256")
    )
    for case_id, *rest in attachments:
        loaded.attachments[case_id].append(tuple(rest))
    if recipients:
        # Organisation's own ordering (by name), as ``case.recipients.all()`` gives it.
        for case_id, slug in (
            CaseStudy.recipients.through.objects.filter(casestudy_id__any=ids)
            .order_by("organisation__name")
            .values_list("casestudy_id", "organisation__slug")
        ):
            loaded.recipients[case_id].append(slug)
    return loaded


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: datetime.datetime | None, zone) -> str | None:
    # DRF's DateTimeField: in the current time zone, ISO 8601, UTC written as "Z".
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def originator_render(case: CaseStudy) -> dict:
    """Who wrote the case, or only its region when the reader may not learn it (the queryset's
    ``originator_visible``)."""
    organisation = case.organisation
    if getattr(case, "originator_visible", False):
        return {
            "anonymised": False,
            "name": organisation.name,
            "short_name": organisation.short_name,
            "slug": organisation.slug,
            "country": organisation.country.code or None,
            "region": organisation.region,
        }
    return {
        "anonymised": True,
        "name": None,
        "short_name": None,
        "slug": None,
        "country": None,
        "region": organisation.region,
    }


def _originator_shared(case: CaseStudy, originators: dict) -> dict:
    """``originator_render`` once per organisation and ``originator_visible`` in a page (a
    page's cases come from a few organisations; reading ``country`` builds an object each
    time), copied for each case."""
    key = (case.organisation_id, getattr(case, "originator_visible", False))
    shown = originators.get(key)
    if shown is None:
        shown = originators[key] = originator_render(case)
    return dict(shown)


def case_render(
    case: CaseStudy,
    relations: Relations,
    *,
    links: Links,
    show_recipients: bool,
    actor,
    originators: dict | None = None,
) -> dict:
    """One case as CaseStudySerializer shows it to ``actor``; ``show_recipients`` is its reader
    rule (the originator and moderators only), decided by the caller. ``originators``: a dict
    shared by the cases of one page, to render each originator once."""
    zone = timezone.get_current_timezone()
    case_uuid = str(case.uuid)
    terms = relations.terms.get(case.pk, ())
    out = {"uuid": case_uuid, "url": links.case(case_uuid), "version": case.version}
    for name in _TEXT_BEFORE_ORIGINATOR:
        out[name] = getattr(case, name)
    out["originator"] = (
        originator_render(case) if originators is None else _originator_shared(case, originators)
    )
    for name in _TEXT_AFTER_ORIGINATOR:
        out[name] = getattr(case, name)
    out["incident_start"] = _date(case.incident_start)
    out["incident_end"] = _date(case.incident_end)
    for name in _RESPONSE_TEXT:
        out[name] = getattr(case, name)
    out["response_start"] = _date(case.response_start)
    out["response_end"] = _date(case.response_end)
    for name in _RESOURCES_TO_RECOMMENDATIONS:
        out[name] = getattr(case, name)
    out["tags"] = [
        {"taxonomy": taxonomy, "code": code, "label": label}
        for taxonomy, code, label in terms
        if taxonomy != "keyword"
    ]
    out["keywords"] = [label for taxonomy, _code, label in terms if taxonomy == "keyword"]
    out["recipients"] = list(relations.recipients.get(case.pk, ())) if show_recipients else None
    out["references"] = [dict(r) for r in relations.references.get(case.pk, ())]
    out["attachments"] = [
        {
            "uuid": str(file_uuid),
            "filename": filename,
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
            "download_url": links.attachment(case_uuid, str(file_uuid)),
        }
        for file_uuid, filename, content_type, size, sha256 in relations.attachments.get(
            case.pk, ()
        )
    ]
    out["created_at"] = _datetime(case.created_at, zone)
    out["updated_at"] = _datetime(case.updated_at, zone)
    out["submitted_at"] = _datetime(case.submitted_at, zone)
    out["published_at"] = _datetime(case.published_at, zone)
    disarm = any(taxonomy.startswith("disarm") for taxonomy, _code, _label in terms)
    out["attribution"] = DISARM_ATTRIBUTION if disarm else None
    for part in _installed_parts():
        out[part.key] = part.render(relations.parts.get(part.key, {}).get(case.pk, []), actor)
    return out


def shows_recipients(actor, case: CaseStudy) -> bool:
    """Only the originator and moderators learn whom else a case went to."""
    return actor_owns(actor, case) or actor_moderates(actor)


def cases_render(cases: Iterable[CaseStudy], *, actor, request=None) -> list[dict]:
    """Cases from ``CaseStudy.objects.for_reader(actor)`` as ``actor`` may see them, in a
    constant number of queries (none for recipients when the reader may see none)."""
    cases = list(cases)
    shown = [shows_recipients(actor, case) for case in cases]
    relations = relations_load([case.pk for case in cases], recipients=any(shown))
    links = Links(request)
    originators: dict = {}
    return [
        case_render(
            case, relations, links=links, show_recipients=show, actor=actor, originators=originators
        )
        for case, show in zip(cases, shown, strict=True)
    ]
