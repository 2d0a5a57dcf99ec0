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

Collections
-----------
Collections (``practices.hub``) take their entries from the same sequence, under the same
lock (``collection_change_record``, called by the hub, which sits above this room). An entry
names the collection; the feed answers with it as this consumer may read it now (the caller
passes ``readable_collections`` and renders only the member cases the consumer may read), or a
tombstone when the consumer could read it at an earlier entry (it was published then) and may
not now (unpublished). Callers that pass no ``readable_collections`` receive cases only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practices.cases.models import CaseStudy
from practices.sync import outbox
from practices.sync.models import CaseChange, FeedCounter

Status, TLP = CaseStudy.Status, CaseStudy.TLP


def _next_seq() -> tuple[int, datetime.datetime]:
    """The next entry's number and time, under the counter's lock (held until commit).

    The time is the clock's, or a microsecond after the last entry's when the clock has not
    moved past it (a coarse clock, a clock set back, another server's): each entry is later
    than every earlier one, so a time names one place in the feed (TAXII's ``added_after``,
    ``practices.interop.selectors.seq_after``)."""
    # The row normally exists (data migration); tests that flush tables recreate it here.
    counter = FeedCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        FeedCounter.objects.bulk_create([FeedCounter(pk=1, value=0)], ignore_conflicts=True)
        counter = FeedCounter.objects.select_for_update().get(pk=1)
    at = timezone.now()
    if counter.last_at is not None and at <= counter.last_at:
        at = counter.last_at + datetime.timedelta(microseconds=1)
    counter.value += 1
    counter.last_at = at
    counter.save(update_fields=["value", "last_at"])
    return counter.value, at


def last_seq() -> int:
    """The highest sequence number handed out so far (0 for an empty feed)."""
    return FeedCounter.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def change_record(case_study: CaseStudy, *, deleted: bool = False) -> CaseChange:
    """Append a feed entry for this case; call at the end of the writing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_record must run inside the transaction that made the change")
    published = case_study.status == Status.PUBLISHED and not deleted
    seq, at = _next_seq()
    change = CaseChange.objects.create(
        seq=seq,
        created_at=at,
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


def collection_change_record(collection, *, case_study: CaseStudy | None = None) -> CaseChange:
    """Append a feed entry for this collection (``practices.hub``: any object with ``uuid``,
    ``status`` and ``tlp``); call at the end of the writing transaction.

    A published collection is readable by every organisation (CLEAR or GREEN), so its audience
    snapshot is "everyone"; a draft is for moderators only. ``case_study`` is the member case
    whose change this is, if any: only its readers are shown the entry.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "collection_change_record must run inside the transaction that made the change"
        )
    seq, at = _next_seq()
    return CaseChange.objects.create(
        seq=seq,
        created_at=at,
        kind=CaseChange.Kind.COLLECTION,
        collection_uuid=collection.uuid,
        collection=collection,
        collection_case_id=getattr(case_study, "pk", None),
        status=collection.status,
        tlp=collection.tlp,
        public_to_all=collection.status == Status.PUBLISHED,
    )


def _ever_visible(changes, organisation_id: int | None) -> Q:
    """Entries that the organisation could read when they were written."""
    condition = Q(public_to_all=True)
    if organisation_id is not None:
        condition |= Q(organisation_id=organisation_id) | Q(audience=organisation_id)
    return condition


@dataclass
class FeedItem:
    seq: int
    case_uuid: str  # the uuid of the entry's subject (a collection's for collection entries)
    case: CaseStudy | None  # None means tombstone
    kind: str = CaseChange.Kind.CASE
    collection: object | None = None  # the readable collection; None for a tombstone


@dataclass
class FeedPage:
    items: list[FeedItem]
    last_seq: int
    has_more: bool


def feed_page(*, actor, after: int, limit: int, readable, readable_collections=None) -> FeedPage:
    """Entries after ``after`` for this actor, folded per case, in a constant number of queries.

    ``readable`` is the queryset of cases the actor may read, anonymisation decided
    (``CaseStudy.objects.for_reader(actor)``); the caller renders the cases.
    ``readable_collections`` is the queryset of collections the actor may read
    (``Collection.objects.visible_to(actor)``); without it, collection entries are skipped.
    """
    entries = list(
        CaseChange.objects.filter(seq__gt=after)
        .order_by("seq")
        .values_list(
            "seq", "kind", "case_uuid", "case_study_id", "collection_uuid", "collection_case_id"
        )[: limit + 1]
    )
    has_more = len(entries) > limit
    entries = entries[:limit]
    if not entries:
        return FeedPage(items=[], last_seq=after, has_more=False)
    last_seq = entries[-1][0]
    latest: dict = {}
    latest_collections: dict = {}
    case_ids = set()
    for _seq, kind, _uuid, case_id, _collection_uuid, member_id in entries:
        if kind == CaseChange.Kind.CASE and case_id is not None:
            case_ids.add(case_id)
        elif member_id is not None and readable_collections is not None:
            case_ids.add(member_id)
    # By id, as one array parameter (a deleted case has none, and is unreadable anyway).
    readable_by_id = {c.pk: c for c in readable.filter(pk__any=list(case_ids))} if case_ids else {}
    organisation_id = getattr(getattr(actor, "organisation", None), "pk", None)
    known_members = _members_known(entries, readable_by_id, organisation_id, last_seq)
    for seq, kind, case_uuid, _case_id, collection_uuid, member_id in entries:
        if kind == CaseChange.Kind.COLLECTION:
            # An entry made by a member case's change is there only for that case's readers,
            # now or before (one who lost the case sees the collection without it).
            if readable_collections is not None and (
                member_id is None or member_id in known_members
            ):
                latest_collections[collection_uuid] = seq
            continue
        latest[case_uuid] = seq  # folded: the last entry of each case in this page
    readable_now = {c.uuid: c for c in readable_by_id.values()}
    unreadable = [u for u in latest if u not in readable_now]
    seen_before = set()
    if unreadable:
        seen_before = set(
            CaseChange.objects.filter(case_uuid__in=unreadable, seq__lte=last_seq)
            .filter(_ever_visible(CaseChange.objects, organisation_id))
            .values_list("case_uuid", flat=True)
            .distinct()
        )
    items = []
    for case_uuid, seq in latest.items():
        if case_uuid in readable_now:
            items.append(FeedItem(seq=seq, case_uuid=str(case_uuid), case=readable_now[case_uuid]))
        elif case_uuid in seen_before:
            items.append(FeedItem(seq=seq, case_uuid=str(case_uuid), case=None))
    if latest_collections:
        items.extend(_collection_items(latest_collections, readable_collections, last_seq))
    items.sort(key=lambda item: item.seq)
    return FeedPage(items=items, last_seq=last_seq, has_more=has_more)


def _members_known(entries, readable_by_id: dict, organisation_id, last_seq: int) -> set[int]:
    """The member cases named by the page's collection entries that this reader may read now
    or could read at an earlier entry (the feed's tombstone rule); one query, if any."""
    named = {member_id for *_rest, member_id in entries if member_id is not None}
    unreadable = named - set(readable_by_id)
    if not unreadable:
        return named
    seen = CaseChange.objects.filter(
        kind=CaseChange.Kind.CASE, case_study_id__in=unreadable, seq__lte=last_seq
    ).filter(_ever_visible(CaseChange.objects, organisation_id))
    return (named - unreadable) | set(seen.values_list("case_study_id", flat=True).distinct())


def _collection_items(latest: dict, readable_collections, last_seq: int) -> list[FeedItem]:
    """The page's collection entries: readable now, or a tombstone for one that was published
    at an earlier entry (every organisation could read it then) and may not be read now."""
    readable_now = {c.uuid: c for c in readable_collections.filter(uuid__in=list(latest))}
    unreadable = [u for u in latest if u not in readable_now]
    seen_before = set()
    if unreadable:
        seen_before = set(
            CaseChange.objects.filter(
                collection_uuid__in=unreadable, seq__lte=last_seq, public_to_all=True
            )
            .values_list("collection_uuid", flat=True)
            .distinct()
        )
    kind = CaseChange.Kind.COLLECTION
    items = []
    for collection_uuid, seq in latest.items():
        if collection_uuid in readable_now or collection_uuid in seen_before:
            items.append(
                FeedItem(
                    seq=seq,
                    case_uuid=str(collection_uuid),
                    case=None,
                    kind=kind,
                    collection=readable_now.get(collection_uuid),
                )
            )
    return items


def backfill() -> int:
    """Record one entry for every case that has none (cases written before the feed existed,
    or by bulk loaders). Safe to run again."""
    count = 0
    for case_study in CaseStudy.objects.filter(changes__isnull=True).order_by("pk"):
        with transaction.atomic():
            change_record(case_study)
        count += 1
    return count
