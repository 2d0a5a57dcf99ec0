"""The demo collection: a workshop pack that mixes CLEAR, GREEN and AMBER cases, so that the
filtering shows — each reader sees the cases they may read, and nothing of the others.

Like the demo cases it has a fixed UUID, is created once and then left as it is (moderators may
curate it in the demo); it gets its change-feed entry and an audit row as a curated one would.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record
from practices.cases.models import CaseStudy
from practices.demo.case_file import CASES, DEMO_NAMESPACE
from practices.hub.collection_models import Collection, CollectionItem
from practices.sync import feed

TITLE = "Election interference: what worked (demo)"
COLLECTION_UUID = uuid.uuid5(DEMO_NAMESPACE, f"collection:{TITLE}")
SYNTHESIS = """\
Prepared for the **NATO–AP4 working group on election integrity** (fictional, demo).

Across these cases three things recur:

1. **Pre-bunking beats debunking**: material prepared before the vote, in every language
   spoken, reached people before the fabrication did.
2. **One authoritative voice on practical voting information**: the election authority
   confirmed within hours, and platforms acted on its word.
3. **Diaspora and minority channels need their own plan**: closed messaging apps are where
   false rules about voting travelled furthest.
"""

# (case title, curator's note); the AMBER case is read only by its originator, its recipients
# and moderators — everyone else sees the collection without it.
ITEMS = [
    (
        "Deepfake audio of a minister before local elections, met by pre-bunking (demo)",
        "The clearest example of pre-bunking synthetic media before a vote.",
    ),
    (
        "Diaspora-language WeChat posts misstate the rules for voting by mail (demo)",
        "Voting rules in the diaspora's languages, prepared ahead of the election.",
    ),
    (
        "Deepfake video of a senior officer announcing conscription (demo)",
        "Not about an election, but the same rapid-confirmation playbook.",
    ),
    (
        "Fabricated 'leaked documents' on AUKUS submarine costs (demo)",
        "Forged documents timed to a parliamentary debate: how attribution was handled.",
    ),
]
PARTICIPANTS = ["demo-hub", "demo-ee-gco", "demo-uk-ccu"]
MODERATOR = "moderator@hub.demo"


def _case_uuid(title: str) -> uuid.UUID:
    for spec in CASES:
        if spec.title == title:
            return spec.uuid
    raise LookupError(f"No demo case titled {title!r}")


@transaction.atomic
def seed_collections() -> int:
    """Create the demo collection if it does not exist; returns how many demo collections exist.

    Run after the demo cases (``seed_cases``): it links to them.
    """
    if Collection.objects.filter(uuid=COLLECTION_UUID).exists():
        return 1
    cases = {
        c.uuid: c
        for c in CaseStudy.objects.filter(uuid__in=[_case_uuid(title) for title, _ in ITEMS])
    }
    moderator = User.objects.filter(email=MODERATOR).first()
    collection = Collection.objects.create(
        uuid=COLLECTION_UUID,
        title=TITLE,
        synthesis=SYNTHESIS,
        tlp=Collection.TLP.GREEN,
        status=Collection.Status.PUBLISHED,
        published_at=timezone.now(),
        workshop_date=date(2026, 3, 18),
        workshop_place="Riga",
        created_by=moderator,
    )
    collection.participants.set(Organisation.objects.filter(slug__in=PARTICIPANTS))
    CollectionItem.objects.bulk_create(
        CollectionItem(collection=collection, case=cases[uuid_], position=position, note=note)
        for position, (uuid_, note) in enumerate(
            ((_case_uuid(title), note) for title, note in ITEMS), start=1
        )
        if uuid_ in cases
    )
    audit_record(
        actor=moderator,
        action=AuditEvent.Action.CREATE,
        obj=collection,
        changes={"demo collection": [None, TITLE]},
        organisation=getattr(moderator, "organisation", None),
    )
    feed.collection_change_record(collection)
    return 1
