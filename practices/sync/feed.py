"""The change feed: every change to a case, in an order consumers can follow without misses.

How the order is made safe
--------------------------
A feed built on ``ORDER BY id`` (or ``updated_at``) loses changes: transaction A takes
number 11, transaction B takes 12 and commits first; a consumer reads up to 12, moves its
cursor there, and never sees 11 when A commits a moment later.

Here every writing transaction records its change last, under a row lock on the single
``FeedCounter`` row: it locks the row, takes ``value + 1`` as its ``seq``, writes the
``CaseChange`` and commits, releasing the lock. The next writer blocks on the lock until
then, so numbers are handed out in commit order and the committed entries are always a gap-free
prefix 1..N (a rolled-back transaction rolls its number back too). A reader that has seen
entry N has seen every entry before it; its cursor can never jump past an uncommitted one.
Writers to different cases wait for each other only for the last moments of their
transaction. On SQLite, which has one writer at a time, the lock is implicit.

What a consumer receives
------------------------
Each entry names a case. The feed answers with the case *as this consumer may see it now*
(from ``CaseStudy.objects.visible_to``), or a tombstone when it may not see it now but could
see it at some earlier entry (withdrawn, TLP raised, recipient removed, draft deleted). A case
the consumer never could see produces nothing, so the feed reveals no case it may not read.
Several entries for one case in a page are folded into the last one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from practices.cases.models import CaseStudy
from practices.sync import outbox
from practices.sync.models import CaseChange, FeedCounter

Status, TLP = CaseStudy.Status, CaseStudy.TLP


def _next_seq() -> int:
    # The row normally exists (data migration); tests that flush tables recreate it here.
    counter = FeedCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        FeedCounter.objects.bulk_create([FeedCounter(pk=1, value=0)], ignore_conflicts=True)
        counter = FeedCounter.objects.select_for_update().get(pk=1)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def last_seq() -> int:
    """The highest sequence number handed out so far (0 for an empty feed)."""
    return FeedCounter.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def change_record(case_study: CaseStudy, *, deleted: bool = False) -> CaseChange:
    """Append a feed entry for this case; call at the end of the writing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_record must run inside the transaction that made the change")
    published = case_study.status == Status.PUBLISHED and not deleted
    change = CaseChange.objects.create(
        seq=_next_seq(),
        case_uuid=case_study.uuid,
        case_study=None if deleted else case_study,
        organisation_id=case_study.organisation_id,
        status=case_study.status,
        tlp=case_study.tlp,
        public_to_all=published and case_study.tlp in (TLP.CLEAR, TLP.GREEN),
        deleted=deleted,
    )
    if published and case_study.tlp in CaseStudy.RESTRICTED_TLPS:
        change.audience.set(case_study.recipients.values_list("pk", flat=True))
    outbox.outbox_record(change)
    return change


def _ever_visible(changes, organisation_id: int | None) -> Q:
    """Entries that the organisation could read when they were written."""
    condition = Q(public_to_all=True)
    if organisation_id is not None:
        condition |= Q(organisation_id=organisation_id) | Q(audience=organisation_id)
    return condition


@dataclass
class FeedItem:
    seq: int
    case_uuid: str
    case: CaseStudy | None  # None means tombstone


@dataclass
class FeedPage:
    items: list[FeedItem]
    last_seq: int
    has_more: bool


def feed_page(*, actor, after: int, limit: int, readable) -> FeedPage:
    """Entries after ``after`` for this actor, folded per case, in a constant number of queries.

    ``readable`` is the queryset of cases the actor may read, anonymisation decided
    (``CaseStudy.objects.for_reader(actor)``); the caller renders the cases.
    """
    entries = list(
        CaseChange.objects.filter(seq__gt=after)
        .order_by("seq")
        .values_list("seq", "case_uuid", "case_study_id")[: limit + 1]
    )
    has_more = len(entries) > limit
    entries = entries[:limit]
    if not entries:
        return FeedPage(items=[], last_seq=after, has_more=False)
    last_seq = entries[-1][0]
    latest: dict = {}
    for seq, case_uuid, _case_id in entries:
        latest[case_uuid] = seq  # folded: the last entry of each case in this page
    # By id, as one array parameter (a deleted case has none, and is unreadable anyway).
    case_ids = list({case_id for _seq, _uuid, case_id in entries if case_id is not None})
    readable_now = {c.uuid: c for c in readable.filter(pk__any=case_ids)}
    unreadable = [u for u in latest if u not in readable_now]
    organisation_id = getattr(getattr(actor, "organisation", None), "pk", None)
    seen_before = set()
    if unreadable:
        seen_before = set(
            CaseChange.objects.filter(case_uuid__in=unreadable, seq__lte=last_seq)
            .filter(_ever_visible(CaseChange.objects, organisation_id))
            .values_list("case_uuid", flat=True)
            .distinct()
        )
    items = []
    for case_uuid, seq in sorted(latest.items(), key=lambda kv: kv[1]):
        if case_uuid in readable_now:
            items.append(FeedItem(seq=seq, case_uuid=str(case_uuid), case=readable_now[case_uuid]))
        elif case_uuid in seen_before:
            items.append(FeedItem(seq=seq, case_uuid=str(case_uuid), case=None))
    return FeedPage(items=items, last_seq=last_seq, has_more=has_more)


def backfill() -> int:
    """Record one entry for every case that has none (cases written before the feed existed,
    or by bulk loaders). Safe to run again."""
    count = 0
    for case_study in CaseStudy.objects.filter(changes__isnull=True).order_by("pk"):
        with transaction.atomic():
            change_record(case_study)
        count += 1
    return count
