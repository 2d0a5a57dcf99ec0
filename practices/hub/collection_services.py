"""Every write to a collection: moderators only, atomic, audited, announced on the change feed.

Each service locks the collection row first (two moderators editing at once queue up instead
of interleaving positions), checks, writes, bumps ``version``, records a readable audit row
and ends with the feed entry (``practices.sync.feed.collection_change_record``).
The audit rows' keys are plain English ("added case"), like the case services' field names,
so the trail reads the same whatever language the moderator used.
"""

from __future__ import annotations

import re
import uuid as uuid_lib
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_moderates
from practices.exceptions import CollectionRefused, StaleEdit
from practices.hub.collection_models import Collection, CollectionItem
from practices.sync import feed

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_FIELDS = ("title", "synthesis", "tlp", "workshop_date", "workshop_place")


def _moderator_only(actor) -> None:
    if not actor_moderates(actor):
        raise PermissionDenied(_("Only moderators curate collections."))


def _locked(collection: Collection) -> Collection:
    return Collection.objects.select_for_update().get(pk=collection.pk)


def _snapshot(collection: Collection) -> dict:
    out = {name: getattr(collection, name) for name in _FIELDS}
    out["participants"] = [o.name for o in collection.participants.all()] if collection.pk else []
    return out


def _finish(
    collection: Collection, *, actor, action: str, changes: dict, case: CaseStudy | None = None
) -> Collection:
    """Version, audit row and feed entry: the end of every collection write.

    A change to one member case (``case``) is not a change of the collection's own fields: it
    leaves ``version`` and ``updated_at`` alone (readers who may not read that case would see
    them move and learn that the collection holds something hidden from them) and its feed
    entry names the case, so only that case's readers are shown it.
    """
    if case is None:
        Collection.objects.filter(pk=collection.pk).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        collection.refresh_from_db(fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=collection,
        changes=changes,
        organisation=getattr(actor, "organisation", None),
        case_study=case,
    )
    feed.collection_change_record(collection, case_study=case)
    return collection


def _validate_tlp(tlp: str) -> None:
    if tlp not in Collection.TLP.values:
        raise CollectionRefused(
            _("A collection is TLP:CLEAR or TLP:GREEN: it is meant to be shared widely."),
            field="tlp",
        )


@transaction.atomic
def collection_create(
    *,
    actor,
    title: str,
    synthesis: str = "",
    tlp: str = Collection.TLP.GREEN,
    workshop_date: date | None = None,
    workshop_place: str = "",
    participants: list[Organisation] | None = None,
) -> Collection:
    """Start a draft collection (moderators only); readers see it once it is published."""
    _moderator_only(actor)
    _validate_tlp(tlp)
    if not title.strip():
        raise CollectionRefused(_("Give the collection a title."), field="title")
    collection = Collection.objects.create(
        title=title.strip(),
        synthesis=synthesis,
        tlp=tlp,
        workshop_date=workshop_date,
        workshop_place=workshop_place.strip(),
        created_by=actor,
        version=0,  # _finish makes it 1
    )
    collection.participants.set(participants or [])
    after = _snapshot(collection)
    changes = changes_between({}, after)
    return _finish(collection, actor=actor, action=AuditEvent.Action.CREATE, changes=changes)


@transaction.atomic
def collection_update(
    *,
    actor,
    collection: Collection,
    expected_version: int | None = None,
    title: str,
    synthesis: str,
    tlp: str,
    workshop_date: date | None,
    workshop_place: str,
    participants: list[Organisation],
) -> Collection:
    """Change a collection's text, TLP or workshop details (moderators only).

    ``expected_version`` is the version the form was opened at: a moderator who saved in the
    meantime is not overwritten silently.
    """
    _moderator_only(actor)
    collection = _locked(collection)
    if expected_version is not None and expected_version != collection.version:
        raise StaleEdit(
            _(
                "Someone else saved this collection while you were editing it. Nothing of "
                "yours was saved; reload the page and make your change again."
            ),
            current_version=collection.version,
        )
    _validate_tlp(tlp)
    if not title.strip():
        raise CollectionRefused(_("Give the collection a title."), field="title")
    before = _snapshot(collection)
    collection.title = title.strip()
    collection.synthesis = synthesis
    collection.tlp = tlp
    collection.workshop_date = workshop_date
    collection.workshop_place = workshop_place.strip()
    collection.save(update_fields=[*_FIELDS, "updated_at"])
    collection.participants.set(participants)
    changes = changes_between(before, _snapshot(collection))
    if not changes:
        return collection
    return _finish(collection, actor=actor, action=AuditEvent.Action.UPDATE, changes=changes)


def _set_status(actor, collection: Collection, status: str) -> Collection:
    _moderator_only(actor)
    collection = _locked(collection)
    if collection.status == status:
        message = (
            _("This collection is already published.")
            if status == Collection.Status.PUBLISHED
            else _("This collection is not published.")
        )
        raise CollectionRefused(message)
    before = collection.status
    collection.status = status
    if status == Collection.Status.PUBLISHED:
        collection.published_at = timezone.now()
    collection.save(update_fields=["status", "published_at", "updated_at"])
    return _finish(
        collection,
        actor=actor,
        action=AuditEvent.Action.STATUS,
        changes={"status": [before, status]},
    )


@transaction.atomic
def collection_publish(*, actor, collection: Collection) -> Collection:
    """Publish: readers of its TLP see it, with the member cases each of them may read."""
    return _set_status(actor, collection, Collection.Status.PUBLISHED)


@transaction.atomic
def collection_unpublish(*, actor, collection: Collection) -> Collection:
    """Back to draft: readers lose it (the feed sends them a tombstone)."""
    return _set_status(actor, collection, Collection.Status.DRAFT)


def case_reference_parse(reference: str) -> uuid_lib.UUID | None:
    """The case UUID in what a moderator pasted: the UUID itself or a page or API address."""
    found = _UUID.findall(reference or "")
    if len(found) != 1:
        return None
    return uuid_lib.UUID(found[0])


def _item(collection: Collection, case_uuid) -> CollectionItem:
    item = (
        CollectionItem.objects.select_related("case")
        .filter(collection=collection, case__uuid=case_uuid)
        .first()
    )
    if item is None:
        raise CollectionRefused(_("This case is not in the collection."), field="case")
    return item


@transaction.atomic
def collection_item_add(
    *, actor, collection: Collection, reference: str, note: str = ""
) -> CollectionItem:
    """Add a published case, by its UUID or address, at the end (moderators only).

    The case must be one the moderator may read (``visible_to``) — the same answer for a case
    that does not exist — and published: readers never see an unpublished case of another
    organisation anyway.
    """
    _moderator_only(actor)
    collection = _locked(collection)
    case_uuid = case_reference_parse(reference)
    if case_uuid is None:
        raise CollectionRefused(
            _("Paste the case's UUID or the address of its page."), field="case"
        )
    case = CaseStudy.objects.visible_to(actor).filter(uuid=case_uuid).first()
    if case is None:
        raise CollectionRefused(_("No case you may read has this UUID."), field="case")
    if case.status != CaseStudy.Status.PUBLISHED:
        raise CollectionRefused(_("Only published cases can be added."), field="case")
    if collection.items.filter(case=case).exists():
        raise CollectionRefused(_("This case is in the collection already."), field="case")
    if len(note) > 4000:
        raise CollectionRefused(_("Keep the note under 4000 characters."), field="note")
    last = collection.items.aggregate(last=Max("position"))["last"] or 0
    item = CollectionItem.objects.create(
        collection=collection, case=case, position=last + 1, note=note.strip()
    )
    _finish(
        collection,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        changes={"added case": [None, case.title]},
        case=case,
    )
    return item


@transaction.atomic
def collection_item_remove(*, actor, collection: Collection, case_uuid) -> Collection:
    """Take a case out of the collection (moderators only)."""
    _moderator_only(actor)
    collection = _locked(collection)
    item = _item(collection, case_uuid)
    case = item.case
    item.delete()
    return _finish(
        collection,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        changes={"removed case": [case.title, None]},
        case=case,
    )


@transaction.atomic
def collection_item_note_set(
    *, actor, collection: Collection, case_uuid, note: str
) -> CollectionItem:
    """Change the curator's note on one case (moderators only)."""
    _moderator_only(actor)
    collection = _locked(collection)
    item = _item(collection, case_uuid)
    note = note.strip()
    if len(note) > 4000:
        raise CollectionRefused(_("Keep the note under 4000 characters."), field="note")
    if note == item.note:
        return item
    before = item.note
    item.note = note
    item.save(update_fields=["note"])
    _finish(
        collection,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        changes={f"note on {item.case.title}": [before, note]},
        case=item.case,
    )
    return item


@transaction.atomic
def collection_item_move(*, actor, collection: Collection, case_uuid, direction: str) -> Collection:
    """Move one case up or down by one place (moderators only); positions are renumbered
    1..n, so the order stays dense whatever was removed before."""
    _moderator_only(actor)
    if direction not in ("up", "down"):
        raise CollectionRefused(_("Move a case up or down."))
    collection = _locked(collection)
    items = list(collection.items.select_related("case").order_by("position", "pk"))
    index = next((i for i, it in enumerate(items) if it.case.uuid == case_uuid), None)
    if index is None:
        raise CollectionRefused(_("This case is not in the collection."), field="case")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        raise CollectionRefused(
            _("This case is first already.")
            if direction == "up"
            else _("This case is last already.")
        )
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position
    CollectionItem.objects.bulk_update(items, ["position"])
    moved = items[other].case
    return _finish(
        collection,
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        changes={"moved case": [moved.title, f"to position {other + 1}"]},
        case=moved,
    )


def collections_case_changed(case_study: CaseStudy, *, deleted: bool = False) -> None:
    """A member case changed (text, status, TLP, recipients): each collection holding it reads
    differently now to someone, so it gets a feed entry too. Installed on the case hook."""
    if case_study.pk is None:
        return
    for collection in Collection.objects.filter(items__case_id=case_study.pk).order_by("pk"):
        feed.collection_change_record(collection, case_study=case_study)
