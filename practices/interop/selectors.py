"""What the TAXII server and the MISP feed serve: published cases the token's organisation may
read (``for_reader``), never AMBER+STRICT (these two exist to be mirrored onward, which
AMBER+STRICT forbids), in the change feed's commit order.

When an object was "added" is when its case's latest change-feed entry was written: the entry's
``seq`` is handed out under the feed's lock (``practices.sync.feed``), so entries commit in
``seq`` order, and its ``created_at`` is handed out with it, later than the previous entry's
(``feed._next_seq``), so it grows strictly with ``seq`` whatever the servers' clocks say (a
server whose clock is behind gives times a microsecond apart until it catches up). ``added_after=T``
is therefore read as "from the first entry written after T on", a ``seq``: a poller that keeps
the last ``date_added`` it saw and asks for what came after misses nothing, even when writers
commit concurrently. A case that changes moves to the end (it is added again, as its new
version); a case the token may no longer read (withdrawn, TLP raised, recipient removed) is
simply gone from what it reads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from practices.cases.models import CaseStudy
from practices.interop import stix
from practices.sync.models import CaseChange


def served_cases(actor):
    """The cases these formats serve to this actor (``for_reader``: anonymisation decided)."""
    return CaseStudy.objects.for_reader(actor).published().exclude(tlp=CaseStudy.TLP.AMBER_STRICT)


def seq_after(moment: datetime.datetime) -> int:
    """The last ``seq`` not after ``moment`` (0 for none): entries after it were all written
    after it.

    One read, so that it answers from one snapshot: an earlier version read "the first entry
    after ``moment``" and, finding none, "the last entry" in a second read, and an entry
    committed between the two was counted as already seen and never served. The latest entry
    by ``created_at`` is the latest by ``seq`` (the module's docstring says why), and
    ``created_at``'s index finds it in a few pages however long the feed."""
    last = (
        CaseChange.objects.filter(created_at__lte=moment)
        .order_by("-created_at", "-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return last or 0


@dataclass(frozen=True)
class Position:
    """Where a page starts: after entry ``seq``, or inside the case at ``seq`` from object
    ``skip`` on (a page may end in the middle of a case's objects)."""

    seq: int = 0
    skip: int = 0


@dataclass(frozen=True)
class FeedEntry:
    """A served case's latest change-feed entry: its number, the case and when it was added."""

    seq: int
    case_id: int
    added: datetime.datetime


def case_entries(queryset, position: Position, count: int) -> list[FeedEntry]:
    """Up to ``count`` feed entries of ``queryset``'s cases from ``position`` in feed order (the
    case at ``position.seq`` first, when the page resumes inside it), the latest of each case.

    The walk goes along the feed (its unique ``seq`` index) and keeps each case's latest entry
    only, so a page reads about ``count`` entries past the position, not every served case;
    the cases' rows are read apart (``cases_load``), only as far as a page needs them."""
    later = CaseChange.objects.filter(
        case_study_id=OuterRef("case_study_id"), seq__gt=OuterRef("seq")
    )
    rows = (
        CaseChange.objects.filter(
            seq__gte=position.seq if position.skip else position.seq + 1,
            case_study_id__in=queryset.values("pk"),
        )
        .exclude(Exists(later))
        .order_by("seq")
        .values_list("seq", "case_study_id", "created_at")[:count]
    )
    return [FeedEntry(*row) for row in rows]


def cases_load(queryset, entries: list[FeedEntry]) -> list[CaseStudy]:
    """The cases of ``entries`` in their order, each with ``feed_seq`` and ``date_added`` set;
    a case no longer served since its entry was read is left out."""
    cases = queryset.in_bulk([entry.case_id for entry in entries])
    out = []
    for entry in entries:
        if (case := cases.get(entry.case_id)) is not None:
            case.feed_seq, case.date_added = entry.seq, entry.added
            out.append(case)
    return out


def cases_holding(queryset, object_ids: set[str]) -> list[int]:
    """The ids of the cases (of ``queryset``) whose export may hold one of these object ids.

    Object ids are UUIDv5 hashes and cannot be turned back into a case, so every served case's
    possible ids are computed from its uuid and term codes (one query each, no rendering) and
    compared; the caller then renders only the cases found.
    """
    if not object_ids:
        return []
    rows = list(queryset.values_list("pk", "uuid", "originator_visible"))
    terms: dict[int, list[tuple[str, str]]] = {}
    links = CaseStudy.terms.through.objects.filter(
        casestudy_id__in=queryset.values("pk"), term__taxonomy__slug__in=list(stix.TERM_TYPES)
    ).values_list("casestudy_id", "term__taxonomy__slug", "term__code")
    for case_id, taxonomy, code in links:
        terms.setdefault(case_id, []).append((taxonomy, code))
    return [
        pk
        for pk, case_uuid, visible in rows
        if object_ids & stix.candidate_ids(case_uuid, terms.get(pk, ()), originator_visible=visible)
    ]
