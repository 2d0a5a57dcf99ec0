"""A read-only TAXII 2.1 server under ``/taxii2/``: discovery, one API root, two collections.

- ``cases``: the STIX objects (``practices.interop.stix``) of the published cases the token's
  organisation may read, AMBER+STRICT excepted, in the change feed's order
  (``practices.interop.selectors``), after the TLP and DISARM marking-definitions;
- ``disarm``: the DISARM framework's techniques and counters, TLP:CLEAR.

Requests and answers use ``application/taxii+json;version=2.1`` (406 when the client accepts
nothing of it, 415 for a body of another type); every error is TAXII's error message. Paging:
``limit`` objects at most, ``next`` continues (``more`` is true only with a ``next``), and
``X-TAXII-Date-Added-First``/``-Last`` give the page's first and last ``date_added`` — which a
poller sends back as ``added_after`` to get exactly what was added since. Plain Django views (no
DRF): the protocol has its own media type and error shape, and stays out of the REST schema.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.http import HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from practices.interop import disarm, selectors, stix
from practices.interop.auth import CHALLENGE, BadCredentials, NoCredentials, token_actor

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
SITE_NAME = "Counter-Disinformation Practice Exchange"
# The position of the marking-definitions, which come before every case (feed entries start at 1).
MARKINGS = -1
# How many batches of cases a request reads at most, looking for objects the filters keep.
EMPTY_ROUNDS = 20

CASES = "cases"
DISARM = "disarm"
COLLECTION_IDS = {
    CASES: str(uuid.uuid5(stix.NAMESPACE, "taxii/collection/cases")),
    DISARM: str(uuid.uuid5(stix.NAMESPACE, "taxii/collection/disarm")),
}
COLLECTION_TEXT = {
    CASES: (
        gettext_lazy("Case studies"),
        gettext_lazy(
            "Published case studies your organisation may read, except TLP:AMBER+STRICT ones, "
            "as STIX 2.1 reports with their techniques, counters and notes."
        ),
    ),
    DISARM: (
        gettext_lazy("DISARM framework"),
        gettext_lazy("The DISARM framework's techniques and counters (CC BY-SA 4.0)."),
    ),
}


class TaxiiError(Exception):
    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def _json(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=MEDIA_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(exc: TaxiiError) -> HttpResponse:
    body = {"title": str(exc.title), "http_status": str(exc.status)}
    if exc.description:
        body["description"] = str(exc.description)
    response = _json(body, exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = CHALLENGE
    return response


def _accepts_taxii(header: str) -> bool:
    """Whether an Accept header allows TAXII 2.1 JSON (without a version: the latest, 2.1)."""
    for item in header.split(","):
        media, *params = [part.strip().lower() for part in item.split(";")]
        if media != "application/taxii+json":
            continue
        versions = [p.partition("=")[2].strip() for p in params if p.startswith("version")]
        quality = [p.partition("=")[2].strip() for p in params if p.startswith("q=")]
        if quality and quality[0] in ("0", "0.0", "0.00", "0.000"):
            continue
        if not versions or versions[0] == "2.1":
            return True
    return False


def taxii_view(handler: Callable) -> Callable:
    """Authenticate, check the media types and the method, and turn every failure into TAXII's
    error message. The handler gets ``(request, actor, **kwargs)`` and returns a response."""

    @csrf_exempt
    def view(request, **kwargs):
        try:
            if request.method not in ("GET", "HEAD", "POST"):
                raise TaxiiError(405, gettext("Method not allowed."))
            if request.method == "POST":
                content_type = request.META.get("CONTENT_TYPE", "")
                if content_type.replace(" ", "").lower() != MEDIA_TYPE:
                    raise TaxiiError(415, gettext("Send application/taxii+json;version=2.1."))
            if not _accepts_taxii(request.META.get("HTTP_ACCEPT", "")):
                raise TaxiiError(
                    406, gettext("Accept application/taxii+json;version=2.1 to read this.")
                )
            try:
                actor = token_actor(request)
            except NoCredentials:
                raise TaxiiError(
                    401, gettext("Authentication credentials were not provided.")
                ) from None
            except BadCredentials:
                raise TaxiiError(401, gettext("The token is not valid.")) from None
            if request.method == "POST":
                # Every collection here is read-only (can_write is false).
                raise TaxiiError(403, gettext("This collection is read-only."))
            return handler(request, actor, **kwargs)
        except TaxiiError as exc:
            return _error(exc)

    return view


def _api_root_url(request) -> str:
    return request.build_absolute_uri(reverse("taxii:api-root"))


@taxii_view
def discovery(request, actor):
    root = _api_root_url(request)
    return _json(
        {
            "title": SITE_NAME,  # a name, not translated
            "description": gettext("Case studies and the DISARM framework as STIX 2.1."),
            "default": root,
            "api_roots": [root],
        }
    )


@taxii_view
def api_root(request, actor):
    return _json(
        {
            "title": SITE_NAME,
            "versions": [MEDIA_TYPE],
            "max_content_length": MAX_CONTENT_LENGTH,
        }
    )


def _collection(name: str) -> dict:
    title, description = COLLECTION_TEXT[name]
    return {
        "id": COLLECTION_IDS[name],
        "title": str(title),
        "description": str(description),
        "alias": name,
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA_TYPE],
    }


def _collection_name(collection_id: str) -> str:
    for name, known in COLLECTION_IDS.items():
        if collection_id in (known, name):
            return name
    raise TaxiiError(404, gettext("No such collection."))


@taxii_view
def collections(request, actor):
    return _json({"collections": [_collection(CASES), _collection(DISARM)]})


@taxii_view
def collection(request, actor, collection_id: str):
    return _json(_collection(_collection_name(collection_id)))


# --- Objects ---------------------------------------------------------------------------------


@dataclass
class Query:
    """The filters and paging of an objects, manifest or versions request."""

    limit: int
    position: selectors.Position | None  # from ``next``
    added_after: datetime.datetime | None
    ids: set[str] | None
    types: set[str] | None
    versions: list[str]
    spec_versions: set[str] | None

    @classmethod
    def parse(cls, request, *, object_id: str | None = None) -> Query:
        params = request.GET
        raw_limit = params.get("limit")
        if raw_limit is None:
            limit = DEFAULT_LIMIT
        elif raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 9:
            limit = min(int(raw_limit), MAX_LIMIT)
            if limit < 1:
                raise TaxiiError(400, gettext("limit must be a whole number of at least 1."))
        else:
            raise TaxiiError(400, gettext("limit must be a whole number of at least 1."))
        added_after = None
        if raw := params.get("added_after"):
            added_after = parse_datetime(raw)
            if added_after is None or added_after.tzinfo is None:
                raise TaxiiError(
                    400, gettext("added_after must be a timestamp such as 2026-01-15T09:00:00Z.")
                )
        ids = _csv(params.get("match[id]"))
        if object_id is not None:
            ids = {object_id} if ids is None or object_id in ids else set()
        versions = sorted(_csv(params.get("match[version]")) or {"last"})
        return cls(
            limit=limit,
            position=_decode_next(params["next"]) if params.get("next") else None,
            added_after=added_after,
            ids=ids,
            types=_csv(params.get("match[type]")),
            versions=versions,
            spec_versions=_csv(params.get("match[spec_version]")),
        )

    def keeps(self, obj: dict, version: str) -> bool:
        if self.ids is not None and obj["id"] not in self.ids:
            return False
        if self.types is not None and obj["type"] not in self.types:
            return False
        if self.spec_versions is not None and obj.get("spec_version", "2.1") not in (
            self.spec_versions
        ):
            return False
        # One version of each object is kept (the current one): it is the first, the last and
        # all of them, and matches a timestamp only when that is its version.
        return any(v in ("first", "last", "all") or v == version for v in self.versions)


def _csv(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _encode_next(position: selectors.Position) -> str:
    raw = f"v1:{position.seq}:{position.skip}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_next(token: str) -> selectors.Position:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        version, seq, skip = text.split(":")
        if version != "v1" or int(seq) < MARKINGS or int(skip) < 0:
            raise ValueError
        return selectors.Position(seq=int(seq), skip=int(skip))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise TaxiiError(400, gettext("This next value is not valid.")) from exc


def added_stamp(value: datetime.datetime) -> str:
    """date_added to the microsecond: sent back as added_after, it must name this very moment."""
    value = value.astimezone(datetime.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Entry:
    obj: dict
    date_added: str
    version: str


@dataclass
class Page:
    entries: list[Entry]
    next: selectors.Position | None


def _version(obj: dict) -> str:
    return obj.get("modified") or obj["created"]


def _cases_page(actor, query: Query) -> Page:
    """A page of the cases collection: markings first (a fresh read only), then the cases'
    objects in feed order, ``limit`` objects at most. A page that filters left empty is not
    sent with ``more``: clients (taxii2-client's ``as_pages``) take the size of a page for the
    limit of the next one, so reading goes on until something is found or the end."""
    for _round in range(EMPTY_ROUNDS):
        page = _cases_page_once(actor, query)
        if page.entries or page.next is None:
            return page
        query.position = page.next
    return page


def _cases_page_once(actor, query: Query) -> Page:
    base = selectors.served_cases(actor)
    position = query.position
    if position is None:
        if query.added_after:
            position = selectors.Position(seq=selectors.seq_after(query.added_after))
        else:
            position = selectors.Position(seq=MARKINGS)
    entries: list[Entry] = []
    if position.seq == MARKINGS:
        for index, obj in enumerate(disarm.markings()):
            if index < position.skip or not query.keeps(obj, _version(obj)):
                continue
            if len(entries) == query.limit:
                return Page(entries, selectors.Position(seq=MARKINGS, skip=index))
            entries.append(Entry(obj, stix.TLP_CREATED[:-1] + "000Z", _version(obj)))
        position = selectors.Position(seq=0)
    if query.ids is not None:
        base = base.filter(pk__in=selectors.cases_holding(base, query.ids))
    feed = selectors.case_entries(base, position, query.limit + 1)
    if position.skip and (not feed or feed[0].seq != position.seq):
        position = selectors.Position(seq=position.seq)  # that case changed since: start after
        feed = [entry for entry in feed if entry.seq > position.seq]
    for case, case_objects in _rendered(base, feed):
        skip = position.skip if case.feed_seq == position.seq else 0
        stamp = added_stamp(case.date_added)
        for index, obj in enumerate(case_objects):
            if index < skip or not query.keeps(obj, _version(obj)):
                continue
            if len(entries) == query.limit:
                if index == 0:
                    # The page ends right before this case: continue after the one before
                    # (no served case sits between two consecutive feed numbers).
                    return Page(entries, selectors.Position(seq=case.feed_seq - 1))
                return Page(entries, selectors.Position(seq=case.feed_seq, skip=index))
            entries.append(Entry(obj, stamp, _version(obj)))
    if len(feed) > query.limit:
        # More cases than were fetched may follow: continue after the last one read.
        return Page(entries, selectors.Position(seq=feed[-1].seq))
    return Page(entries, None)


# Cases read and rendered in the first round: a page fills up with ``limit`` objects a few
# dozen cases into the ``limit + 1`` feed entries it reads, so reading and rendering every one
# of them would mostly be thrown away. Each further round doubles, so that a page whose filters
# keep few objects per case still reads its cases in a handful of queries.
RENDER_BATCH = 32


def _rendered(base, feed: list[selectors.FeedEntry]) -> Iterator[tuple]:
    """The cases of ``feed`` with their STIX objects, read and rendered in rounds of
    ``RENDER_BATCH``, then twice as many each time, as far as the page asks for them."""
    start, size = 0, RENDER_BATCH
    while start < len(feed):
        cases = selectors.cases_load(base, feed[start : start + size])
        yield from zip(cases, stix.cases_objects(cases), strict=True)
        start, size = start + size, size * 2


def _disarm_page(query: Query) -> Page:
    objects = disarm.framework_objects()
    start = max(query.position.seq, 0) if query.position else 0
    stamp = stix.DISARM_CREATED[:-1] + "000Z"
    if query.added_after and query.added_after >= datetime.datetime.fromisoformat(
        stix.DISARM_CREATED
    ):
        return Page([], None)
    entries = []
    for index in range(start, len(objects)):
        obj = objects[index]
        if not query.keeps(obj, _version(obj)):
            continue
        if len(entries) == query.limit:
            return Page(entries, selectors.Position(seq=index))
        entries.append(Entry(obj, stamp, _version(obj)))
    return Page(entries, None)


def _page(actor, collection_id: str, query: Query) -> Page:
    name = _collection_name(collection_id)
    return _cases_page(actor, query) if name == CASES else _disarm_page(query)


def _paged(page: Page, body: dict) -> HttpResponse:
    headers = {}
    if page.entries:
        headers["X-TAXII-Date-Added-First"] = page.entries[0].date_added
        headers["X-TAXII-Date-Added-Last"] = page.entries[-1].date_added
    body["more"] = page.next is not None
    if page.next is not None:
        body["next"] = _encode_next(page.next)
    return _json(body, headers=headers)


@taxii_view
def objects(request, actor, collection_id: str):
    page = _page(actor, collection_id, Query.parse(request))
    body = {"objects": [entry.obj for entry in page.entries]} if page.entries else {}
    return _paged(page, body)


@taxii_view
def manifest(request, actor, collection_id: str):
    page = _page(actor, collection_id, Query.parse(request))
    records = [
        {
            "id": entry.obj["id"],
            "date_added": entry.date_added,
            "version": entry.version,
            "media_type": STIX_MEDIA_TYPE,
        }
        for entry in page.entries
    ]
    return _paged(page, {"objects": records} if records else {})


@taxii_view
def object_detail(request, actor, collection_id: str, object_id: str):
    query = Query.parse(request, object_id=object_id)
    page = _page(actor, collection_id, query)
    if not page.entries and not _exists(actor, collection_id, object_id):
        raise TaxiiError(404, gettext("No such object."))
    body = {"objects": [entry.obj for entry in page.entries]} if page.entries else {}
    return _paged(page, body)


@taxii_view
def object_versions(request, actor, collection_id: str, object_id: str):
    query = Query.parse(request, object_id=object_id)
    query.versions = ["all"]
    query.types = query.spec_versions = None
    page = _page(actor, collection_id, query)
    if not page.entries:
        raise TaxiiError(404, gettext("No such object."))
    return _paged(page, {"versions": [entry.version for entry in page.entries]})


def _exists(actor, collection_id: str, object_id: str) -> bool:
    """Whether the object is readable at all (the filters of the request aside): an object
    that the filters leave out answers an empty envelope, one that is not there a 404."""
    query = Query(
        limit=1,
        position=None,
        added_after=None,
        ids={object_id},
        types=None,
        versions=["all"],
        spec_versions=None,
    )
    return bool(_page(actor, collection_id, query).entries)
