"""Collections on the change feed: in the same sequence as cases, as each consumer may read
them now, a tombstone when a consumer lost one, nothing for one it never could read."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from accounts.services import api_token_create
from practices.cases.changes import case_change_record
from practices.hub import collection_services as services
from practices.models import CaseChange
from tests.factories import CaseStudyFactory, OrganisationFactory
from tests.practices.hub.conftest import client_for
from tests.practices.sync.test_feed import follow, published_case

pytestmark = pytest.mark.django_db


def token_client(organisation) -> Client:
    _, secret = api_token_create(actor=None, organisation=organisation, name="mirror")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_collection_entries_share_the_case_sequence(moderator, member, outsider):
    first = published_case(member, moderator, title="First published")
    collection = services.collection_create(actor=moderator, title="Pack")
    services.collection_item_add(
        actor=moderator, collection=collection, reference=str(first.uuid), note="Why."
    )
    services.collection_publish(actor=moderator, collection=collection)
    second = published_case(member, moderator, title="Second published")

    entries, _, _ = follow(token_client(outsider.organisation))
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    kinds = [(e["type"], e["uuid"]) for e in entries]
    # Folded per subject: the collection once, at its last entry, between the two cases.
    assert kinds == [
        ("case", str(first.uuid)),
        ("collection", str(collection.uuid)),
        ("case", str(second.uuid)),
    ]
    (entry,) = [e for e in entries if e["type"] == "collection"]
    assert entry["deleted"] is False and entry["case"] is None
    assert entry["collection"]["title"] == "Pack"
    assert [i["note"] for i in entry["collection"]["items"]] == ["Why."]
    for e in entries:
        if e["type"] == "case":
            assert set(e) == {"type", "seq", "uuid", "deleted", "case"}


def test_a_draft_collection_never_reaches_consumers(moderator, outsider):
    services.collection_create(actor=moderator, title="Unfinished")
    entries, _, _ = follow(token_client(outsider.organisation))
    assert entries == []
    # The moderator's own session reads drafts (moderators may).
    entries, _, _ = follow(client_for(moderator))
    assert [e["collection"]["title"] for e in entries if e["type"] == "collection"] == [
        "Unfinished"
    ]


def test_unpublishing_becomes_a_tombstone(moderator, outsider):
    consumer = token_client(outsider.organisation)
    collection = services.collection_create(actor=moderator, title="Pack")
    services.collection_publish(actor=moderator, collection=collection)
    entries, _, cursor = follow(consumer)
    assert [e["deleted"] for e in entries] == [False]

    services.collection_unpublish(actor=moderator, collection=collection)
    later, _, cursor = follow(consumer, cursor)
    assert later == [
        {
            "type": "collection",
            "seq": later[0]["seq"],
            "uuid": str(collection.uuid),
            "deleted": True,
            "case": None,
            "collection": None,
        }
    ]
    # A consumer replaying from the start gets the tombstone too, as for a withdrawn case:
    # every organisation could read the collection while it was published.
    fresh, _, _ = follow(token_client(OrganisationFactory()))
    assert [e["deleted"] for e in fresh] == [True]


def test_an_amber_member_case_shows_only_to_its_readers_in_the_feed(moderator, member, org):
    recipient = OrganisationFactory(name="Recipient Office")
    other = OrganisationFactory(name="Other Office")
    amber = CaseStudyFactory(
        organisation=org, tlp="amber", title="Amber member case", recipients=[recipient]
    )
    green = CaseStudyFactory(organisation=org, tlp="green", title="Green member case")
    collection = services.collection_create(actor=moderator, title="Mixed pack")
    for case, note in ((green, "Green note"), (amber, "Amber note")):
        services.collection_item_add(
            actor=moderator, collection=collection, reference=str(case.uuid), note=note
        )
    services.collection_publish(actor=moderator, collection=collection)

    def items(organisation) -> list[tuple]:
        entries, _, _ = follow(token_client(organisation))
        (entry,) = [e for e in entries if e["type"] == "collection"]
        return [
            (i["position"], i["case"]["title"], i["note"]) for i in entry["collection"]["items"]
        ]

    assert items(other) == [(1, "Green member case", "Green note")]
    assert items(recipient) == [
        (1, "Green member case", "Green note"),
        (2, "Amber member case", "Amber note"),
    ]


def test_a_member_case_losing_readers_updates_the_collection_entry(moderator, member, org):
    case = published_case(member, moderator, title="Will be withdrawn")
    collection = services.collection_create(actor=moderator, title="Pack")
    services.collection_item_add(actor=moderator, collection=collection, reference=str(case.uuid))
    services.collection_publish(actor=moderator, collection=collection)
    consumer = token_client(OrganisationFactory())
    _, _, cursor = follow(consumer)

    # The TLP raised (as an approved revision would do): the case goes, the collection stays
    # with one case fewer for this consumer.
    case.tlp = "amber"
    case.save(update_fields=["tlp"])
    with transaction.atomic():
        case_change_record(case)
    later, _, _ = follow(consumer, cursor)
    assert [(e["type"], e["deleted"]) for e in later] == [("case", True), ("collection", False)]
    assert later[1]["collection"]["items"] == []
    assert CaseChange.objects.filter(collection_uuid=collection.uuid).count() == 4


def test_a_change_to_a_hidden_member_case_tells_other_readers_nothing(moderator, member, org):
    """Adding, noting or changing an AMBER case a consumer may not read: no feed entry for
    that consumer, and the collection's version does not move; its recipients are told."""
    shared = published_case(member, moderator, title="Shared green")
    collection = services.collection_create(actor=moderator, title="Pack")
    services.collection_item_add(actor=moderator, collection=collection, reference=str(shared.uuid))
    services.collection_publish(actor=moderator, collection=collection)
    recipient_org = OrganisationFactory()
    hidden = CaseStudyFactory(
        organisation=org, tlp="amber", title="Amber only", recipients=[recipient_org]
    )
    outsider, recipient = token_client(OrganisationFactory()), token_client(recipient_org)
    _, _, outsider_cursor = follow(outsider)
    _, _, recipient_cursor = follow(recipient)
    version = services.Collection.objects.get(pk=collection.pk).version

    services.collection_item_add(
        actor=moderator, collection=collection, reference=str(hidden.uuid), note="Secret note."
    )
    with transaction.atomic():
        case_change_record(hidden)

    outsider_later, _, _ = follow(outsider, outsider_cursor)
    recipient_later, _, _ = follow(recipient, recipient_cursor)
    assert outsider_later == []
    assert [e["type"] for e in recipient_later] == ["case", "collection"]
    assert [i["note"] for i in recipient_later[1]["collection"]["items"]] == ["", "Secret note."]
    assert services.Collection.objects.get(pk=collection.pk).version == version
