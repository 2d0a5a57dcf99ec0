"""Collection services: moderators only, validated, audited, announced on the feed, and nothing
half-saved when a write is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from practices.exceptions import CollectionRefused, StaleEdit
from practices.hub import collection_services as services
from practices.models import AuditEvent, CaseChange, CaseStudy, Collection, CollectionItem
from practices.moderation import transitions
from tests.factories import CaseStudyFactory, UserFactory

pytestmark = pytest.mark.django_db


def state() -> tuple:
    """Everything a collection write touches, to show that a refused one changed nothing."""
    return (
        list(Collection.objects.values_list("uuid", "version", "status", "title", "tlp")),
        list(CollectionItem.objects.values_list("case_id", "position", "note")),
        AuditEvent.objects.count(),
        CaseChange.objects.count(),
    )


@pytest.fixture
def collection(moderator):
    return services.collection_create(actor=moderator, title="Elections: what worked")


def test_create_starts_a_draft_with_an_audit_row_and_a_feed_entry(moderator, org):
    collection = services.collection_create(
        actor=moderator,
        title="  Elections: what worked ",
        synthesis="**Pre-bunk**",
        tlp="clear",
        workshop_place="Riga",
        participants=[org],
    )
    assert collection.title == "Elections: what worked"
    assert collection.status == Collection.Status.DRAFT
    assert collection.version == 1
    event = AuditEvent.objects.get(object_id=str(collection.uuid))
    assert event.action == AuditEvent.Action.CREATE
    assert event.changes["title"] == [None, "Elections: what worked"]
    assert event.changes["participants"] == [None, [org.name]]
    entry = CaseChange.objects.get(collection_uuid=collection.uuid)
    assert entry.kind == CaseChange.Kind.COLLECTION
    assert entry.public_to_all is False  # a draft: moderators only


@pytest.mark.parametrize("who", ["member", "outsider", "org_admin"])
def test_only_moderators_curate(request, who, collection):
    person = request.getfixturevalue(who)
    case = CaseStudyFactory()
    before = state()
    with pytest.raises(PermissionDenied):
        services.collection_create(actor=person, title="Mine")
    with pytest.raises(PermissionDenied):
        services.collection_item_add(actor=person, collection=collection, reference=str(case.uuid))
    with pytest.raises(PermissionDenied):
        services.collection_publish(actor=person, collection=collection)
    assert state() == before


def test_a_deactivated_moderator_curates_nothing(moderator, collection):
    moderator.is_active = False
    moderator.save()
    with pytest.raises(PermissionDenied):
        services.collection_publish(actor=moderator, collection=collection)


def test_amber_is_refused_and_nothing_is_saved(moderator, collection):
    before = state()
    with pytest.raises(CollectionRefused) as refused:
        services.collection_create(actor=moderator, title="Secret", tlp="amber")
    assert refused.value.field == "tlp"
    with pytest.raises(CollectionRefused):
        services.collection_update(
            actor=moderator,
            collection=collection,
            title="Changed",
            synthesis="",
            tlp="amber_strict",
            workshop_date=None,
            workshop_place="",
            participants=[],
        )
    assert state() == before


def test_database_refuses_amber_too(moderator):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.create(title="x", tlp="amber")


def test_add_takes_a_uuid_or_a_page_address(moderator, collection):
    first, second = CaseStudyFactory(), CaseStudyFactory()
    services.collection_item_add(
        actor=moderator, collection=collection, reference=str(first.uuid), note="Read first."
    )
    services.collection_item_add(
        actor=moderator,
        collection=collection,
        reference=f"https://exchange.example.org/cases/{second.uuid}/",
    )
    items = list(collection.items.all())
    assert [(i.case, i.position, i.note) for i in items] == [
        (first, 1, "Read first."),
        (second, 2, ""),
    ]
    event = AuditEvent.objects.filter(case_study_uuid=first.uuid).get()
    assert event.changes == {"added case": [None, first.title]}
    collection.refresh_from_db()
    # Items are not the collection's own fields: its version moves only with those.
    assert collection.version == 1
    assert CaseChange.objects.filter(collection_uuid=collection.uuid).count() == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda org: "not a case", "Paste the case's UUID"),
        (lambda org: CaseStudyFactory.build().uuid, "No case you may read"),
        # Another organisation's draft: moderators never see drafts — same answer as "none".
        (lambda org: CaseStudyFactory(organisation=org, status="draft").uuid, "No case you may"),
        (lambda org: CaseStudyFactory(status="submitted").uuid, "Only published cases"),
    ],
)
def test_add_refuses_with_a_clear_message_and_saves_nothing(
    moderator, collection, org, make, message
):
    reference = str(make(org))
    before = state()
    with pytest.raises(CollectionRefused) as refused:
        services.collection_item_add(actor=moderator, collection=collection, reference=reference)
    assert message in str(refused.value)
    assert refused.value.field == "case"
    assert state() == before


def test_a_case_is_added_once(moderator, collection):
    case = CaseStudyFactory()
    services.collection_item_add(actor=moderator, collection=collection, reference=str(case.uuid))
    before = state()
    with pytest.raises(CollectionRefused, match="already"):
        services.collection_item_add(
            actor=moderator, collection=collection, reference=str(case.uuid)
        )
    assert state() == before


def test_move_remove_and_note_keep_the_order_dense_and_audited(moderator, collection):
    cases = [CaseStudyFactory() for _ in range(3)]
    for case in cases:
        services.collection_item_add(
            actor=moderator, collection=collection, reference=str(case.uuid)
        )
    services.collection_item_move(
        actor=moderator, collection=collection, case_uuid=cases[2].uuid, direction="up"
    )
    order = lambda: list(collection.items.values_list("case_id", "position"))  # noqa: E731
    assert order() == [(cases[0].pk, 1), (cases[2].pk, 2), (cases[1].pk, 3)]
    with pytest.raises(CollectionRefused, match="first already"):
        services.collection_item_move(
            actor=moderator, collection=collection, case_uuid=cases[0].uuid, direction="up"
        )
    services.collection_item_remove(actor=moderator, collection=collection, case_uuid=cases[0].uuid)
    services.collection_item_move(
        actor=moderator, collection=collection, case_uuid=cases[2].uuid, direction="down"
    )
    assert order() == [(cases[1].pk, 1), (cases[2].pk, 2)]
    services.collection_item_note_set(
        actor=moderator, collection=collection, case_uuid=cases[1].uuid, note="Start here."
    )
    assert collection.items.get(case=cases[1]).note == "Start here."
    summaries = [
        next(iter(e.changes))
        for e in AuditEvent.objects.filter(object_id=str(collection.uuid)).order_by("pk")
    ]
    assert summaries[-4:] == [
        "moved case",
        "removed case",
        "moved case",
        f"note on {cases[1].title}",
    ]


def test_publish_and_unpublish(moderator, collection):
    services.collection_publish(actor=moderator, collection=collection)
    collection.refresh_from_db()
    assert collection.status == Collection.Status.PUBLISHED and collection.published_at
    with pytest.raises(CollectionRefused, match="already published"):
        services.collection_publish(actor=moderator, collection=collection)
    services.collection_unpublish(actor=moderator, collection=collection)
    collection.refresh_from_db()
    assert collection.status == Collection.Status.DRAFT
    statuses = [
        e.changes["status"]
        for e in AuditEvent.objects.filter(
            object_id=str(collection.uuid), action=AuditEvent.Action.STATUS
        ).order_by("pk")
    ]
    assert statuses == [["draft", "published"], ["published", "draft"]]


def test_a_stale_edit_is_refused(moderator, collection):
    arguments = {
        "synthesis": "",
        "tlp": "green",
        "workshop_date": None,
        "workshop_place": "",
        "participants": [],
    }
    services.collection_update(
        actor=moderator, collection=collection, expected_version=1, title="First", **arguments
    )
    before = state()
    with pytest.raises(StaleEdit):
        services.collection_update(
            actor=moderator, collection=collection, expected_version=1, title="Second", **arguments
        )
    assert state() == before


def test_a_member_case_changing_gives_its_collections_a_feed_entry(moderator, collection, org):
    author = UserFactory(organisation=org, role="admin")
    case = CaseStudyFactory(organisation=org)
    services.collection_item_add(actor=moderator, collection=collection, reference=str(case.uuid))
    entries = CaseChange.objects.filter(collection_uuid=collection.uuid).count()
    transitions.case_study_withdraw(actor=author, case_study=case, comment="Outdated.")
    assert CaseChange.objects.filter(collection_uuid=collection.uuid).count() == entries + 1
    last_two = list(CaseChange.objects.order_by("-seq")[:2])
    assert {c.kind for c in last_two} == {"case", "collection"}
    assert CaseStudy.objects.get(pk=case.pk).status == "withdrawn"
