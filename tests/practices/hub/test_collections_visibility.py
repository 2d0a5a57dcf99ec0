"""The visibility matrix for collections: actors × case TLP × case status × anonymised.

One collection holds sixteen cases (every TLP readable on the portal, published and withdrawn,
named and anonymised), each with a note. For every actor, every surface — the collection page,
the list page, the home page, the API list and detail, and the change feed — shows exactly the
cases the actor may read (and their notes), and no title, note, count or organisation of the
others.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import User
from accounts.services import api_token_create
from practices.hub.collection_selectors import collection_items_visible, collection_list
from practices.models import CaseStudy, Collection, CollectionItem
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory
from tests.practices.hub.conftest import client_for

pytestmark = pytest.mark.django_db

TLP, Status, Mode = CaseStudy.TLP, CaseStudy.Status, CaseStudy.AttributionMode
TLPS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]
STATUSES = [Status.PUBLISHED, Status.WITHDRAWN]
MODES = [Mode.NAMED, Mode.ANONYMISED]
ORIGIN_NAME = "Originating Matrix Office"
ACTORS = ["visitor", "originator", "other", "recipient", "moderator", "deactivated"]


def title_of(tlp, status, mode) -> str:
    return f"MXC-{tlp}-{status}-{mode}-title"


def note_of(tlp, status, mode) -> str:
    return f"MXN-{tlp}-{status}-{mode}-note"


def may_read(actor: str, tlp: str, status: str) -> bool:
    """The DESIGN.md table, written out independently of ``visible_to``."""
    published = status == Status.PUBLISHED
    if actor == "visitor":
        return published and tlp == TLP.CLEAR
    if actor in ("originator", "moderator"):
        return True
    if actor == "other":
        return published and tlp in (TLP.CLEAR, TLP.GREEN)
    if actor == "recipient":
        return published
    return False  # deactivated


def sees_originator(actor: str, mode: str) -> bool:
    return mode == Mode.NAMED or actor in ("originator", "moderator")


@pytest.fixture
def world(moderator):
    origin = OrganisationFactory(name=ORIGIN_NAME, short_name="OMO", region="indo-pacific")
    recipient_org = OrganisationFactory(name="Recipient Matrix Office", short_name="RMO")
    other_org = OrganisationFactory(name="Other Matrix Office", short_name="XMO")
    people = {
        "visitor": None,
        "originator": UserFactory(organisation=origin),
        "other": UserFactory(organisation=other_org),
        "recipient": UserFactory(organisation=recipient_org),
        "moderator": moderator,
        "deactivated": UserFactory(organisation=origin, is_active=False),
    }
    cases = {}
    for tlp, status, mode in itertools.product(TLPS, STATUSES, MODES):
        cases[tlp, status, mode] = CaseStudyFactory(
            organisation=origin,
            title=title_of(tlp, status, mode),
            tlp=tlp,
            status=status,
            attribution_mode=mode,
            recipients=[recipient_org] if tlp in CaseStudy.RESTRICTED_TLPS else None,
        )
    return {"people": people, "cases": cases, "orgs": (origin, recipient_org, other_org)}


def make_collection(world, tlp: str) -> Collection:
    with transaction.atomic():
        collection = Collection.objects.create(
            title=f"Matrix collection {tlp}",
            tlp=tlp,
            status=Collection.Status.PUBLISHED,
            synthesis="What the cases teach.",
        )
        for position, (key, case) in enumerate(world["cases"].items(), start=1):
            CollectionItem.objects.create(
                collection=collection, case=case, position=position, note=note_of(*key)
            )
        feed.collection_change_record(collection)
    return collection


def collection_readable(actor: str, tlp: str) -> bool:
    if actor == "deactivated":
        return False
    if actor == "visitor":
        return tlp == Collection.TLP.CLEAR
    return True


def expected(world, actor):
    return {key: may_read(actor, key[0], key[1]) for key in world["cases"]}


def assert_only_visible(text: str, world, actor, *, notes: bool = True) -> None:
    for (tlp, status, mode), visible in expected(world, actor).items():
        title, note = title_of(tlp, status, mode), note_of(tlp, status, mode)
        assert (title in text) is visible, (actor, title)
        if notes:
            assert (note in text) is visible, (actor, note)


def visible_count(world, actor) -> int:
    return sum(expected(world, actor).values())


@pytest.mark.parametrize("collection_tlp", [Collection.TLP.CLEAR, Collection.TLP.GREEN])
@pytest.mark.parametrize("actor", ACTORS)
def test_pages_show_only_the_cases_the_reader_may_read(world, actor, collection_tlp, settings):
    settings.PUBLIC_VIEW_ENABLED = True
    collection = make_collection(world, collection_tlp)
    person = world["people"][actor]
    client = client_for(person)
    if actor == "deactivated":
        # A deactivated person's session no longer signs them in: they read as a visitor
        # (the selectors refuse the person object itself: see the test below).
        actor, person = "visitor", None
    readable = collection_readable(actor, collection_tlp)

    detail = client.get(f"/collections/{collection.uuid}/")
    listing = client.get("/collections/")
    home = client.get("/")
    assert listing.status_code == home.status_code == 200
    if not readable:
        assert detail.status_code == 404
        for response in (detail, listing, home):
            text = response.content.decode()
            assert collection.title not in text
            assert "MXC-" not in text and "MXN-" not in text
        return

    assert detail.status_code == 200
    html = detail.content.decode()
    assert_only_visible(html, world, actor)
    count = visible_count(world, actor)
    # The list and home cards count only this reader's cases; no title or note appears there.
    for response in (listing, home):
        text = response.content.decode()
        assert collection.title in text
        counted = re.findall(r"(\d+) cases? you may read", text)
        assert counted == [str(count)], (actor, counted)
        assert "MXC-" not in text and "MXN-" not in text
    # Positions are 1..n among the visible cases: no gap betrays a hidden one.
    shown = collection_items_visible(actor=person, collections=[collection])[collection.pk]
    assert [item.shown_position for item in shown] == list(range(1, count + 1))
    # Anonymised cases never name their organisation to others.
    cards = re.findall(r'<article class="case-card">(.*?)</article>', html, re.S)
    assert len(cards) == count
    for card in cards:
        (key,) = [k for k in world["cases"] if title_of(*k) in card]
        if sees_originator(actor, key[2]):
            assert ORIGIN_NAME in card
        else:
            assert ORIGIN_NAME not in card
            assert "A partner organisation" in card
    if not any(sees_originator(actor, k[2]) for k, v in expected(world, actor).items() if v):
        assert ORIGIN_NAME not in html


@pytest.mark.parametrize("actor", ["originator", "other", "recipient", "moderator"])
def test_api_and_feed_show_only_the_cases_the_reader_may_read(world, actor):
    collection = make_collection(world, Collection.TLP.GREEN)
    client = client_for(world["people"][actor])
    count = visible_count(world, actor)

    listing = client.get("/api/v1/collections/")
    detail = client.get(f"/api/v1/collections/{collection.uuid}/")
    changes = client.get("/api/v1/changes/")
    assert listing.status_code == detail.status_code == changes.status_code == 200
    for response in (listing, detail, changes):
        assert_only_visible(response.content.decode(), world, actor)
    body = detail.json()
    assert len(body["items"]) == count
    assert [item["position"] for item in body["items"]] == list(range(1, count + 1))
    for item in body["items"]:
        (key,) = [k for k in world["cases"] if title_of(*k) == item["case"]["title"]]
        originator = item["case"]["originator"]
        assert originator["anonymised"] is not sees_originator(actor, key[2])
        if originator["anonymised"]:
            assert originator["name"] is None and ORIGIN_NAME not in str(item)
    (entry,) = [e for e in changes.json()["results"] if e["type"] == "collection"]
    assert entry["collection"] == body


def test_tokens_read_as_their_organisation(world):
    collection = make_collection(world, Collection.TLP.GREEN)
    _origin, recipient_org, other_org = world["orgs"]
    for organisation, actor in ((recipient_org, "recipient"), (other_org, "other")):
        _, secret = api_token_create(actor=None, organisation=organisation, name="t")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        for url in (
            "/api/v1/collections/",
            f"/api/v1/collections/{collection.uuid}/",
            "/api/v1/changes/",
        ):
            response = client.get(url)
            assert response.status_code == 200
            assert_only_visible(response.content.decode(), world, actor)


def test_visitors_get_no_api(world):
    collection = make_collection(world, Collection.TLP.CLEAR)
    for url in ("/api/v1/collections/", f"/api/v1/collections/{collection.uuid}/"):
        response = Client().get(url)
        assert response.status_code in (401, 403)
        assert "MXC-" not in response.content.decode()


def test_deactivated_people_and_inactive_organisations_read_nothing_more_than_visitors(
    world, settings
):
    settings.PUBLIC_VIEW_ENABLED = True
    green = make_collection(world, Collection.TLP.GREEN)
    clear = make_collection(world, Collection.TLP.CLEAR)
    deactivated = world["people"]["deactivated"]
    assert list(collection_list(actor=deactivated)) == []
    assert collection_items_visible(actor=deactivated, collections=[green, clear]) == {
        green.pk: [],
        clear.pk: [],
    }
    other_org = world["orgs"][2]
    other_org.is_active = False
    other_org.save()
    member = User.objects.get(pk=world["people"]["other"].pk)
    assert list(collection_list(actor=member)) == [clear]
    shown = collection_items_visible(actor=member, collections=[clear])[clear.pk]
    assert {item.case.title for item in shown} == {
        title_of(TLP.CLEAR, Status.PUBLISHED, mode) for mode in MODES
    }


def test_with_the_public_view_off_visitors_see_no_collection(world, settings):
    settings.PUBLIC_VIEW_ENABLED = False
    collection = make_collection(world, Collection.TLP.CLEAR)
    response = Client().get(f"/collections/{collection.uuid}/")
    assert response.status_code == 302  # to sign in, as for cases
    assert list(collection_list(actor=None)) == []
    home = Client().get("/").content.decode()
    assert collection.title not in home
