"""The stubs of discoverable AMBER cases: who sees which, what they show, and where they never
appear.

Actors × TLP × status × discoverable × named/anonymised. A stub is the one thing about an
unreadable case anyone may learn, and only from its own list and page: never from search,
browse, facets, the API or the feed, and never with an anonymised originator's name.
"""

from __future__ import annotations

import datetime
import itertools
import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import api_token_create
from practices.discovery.search import search_index_rebuild
from practices.hub import access
from practices.hub.access_selectors import access_requests_by, stub_list
from practices.models import CaseStudy, Taxonomy, Term
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

TLPS = ["clear", "green", "amber", "amber_strict"]
STATUSES = [s.value for s in CaseStudy.Status]
MODES = ["named", "anonymised"]
ACTORS = [
    "visitor",
    "origin_member",
    "origin_admin",
    "recipient_member",
    "other_member",
    "other_admin",
    "moderator",
    "deactivated",
    "inactive_org_member",
]
MARK = "Quokka"  # a word in every title, so one search would find them all


def sees_stub(actor: str, tlp: str, status: str, mode: str, discoverable: bool) -> bool:
    """Written out from the brief, independently of the queryset under test: members of an
    active organisation that may not read the case see the stub of a published, discoverable
    AMBER case. (Named cases come from the origin actors' organisation, anonymised ones from
    another, so the origin actors see the anonymised ones' stubs.)"""
    offered = tlp == "amber" and status == "published" and discoverable
    if actor in ("other_member", "other_admin"):
        return offered
    if actor in ("origin_member", "origin_admin"):
        return offered and mode == "anonymised"
    return False


@pytest.fixture
def world(db):
    named_origin = OrganisationFactory(name="Named Ministry", short_name="NAMD")
    hidden_origin = OrganisationFactory(
        name="Hidden Ministry", short_name="HIDN", region="indo_pacific"
    )
    recipient = OrganisationFactory(name="Recipient Agency", short_name="RCPT", country="JP")
    other = OrganisationFactory(name="Other Office", short_name="OTHR", country="CA")
    inactive = OrganisationFactory(name="Dormant Office", short_name="DORM", is_active=False)
    hub = OrganisationFactory(name="The Hub", short_name="HUB", partner_group="hub")
    people = {
        "origin_member": UserFactory(organisation=named_origin),
        "origin_admin": UserFactory(organisation=named_origin, role=User.Role.ADMIN),
        "recipient_member": UserFactory(organisation=recipient),
        "other_member": UserFactory(organisation=other),
        "other_admin": UserFactory(organisation=other, role=User.Role.ADMIN),
        "moderator": UserFactory(organisation=hub, is_moderator=True),
        "deactivated": UserFactory(organisation=other, is_active=False),
        "inactive_org_member": UserFactory(organisation=inactive),
    }
    red = Taxonomy.objects.create(slug="disarm-red", name="DISARM Red")
    region = Taxonomy.objects.create(slug="region", name="Region")
    theme = Taxonomy.objects.create(slug="theme", name="Theme")
    technique = Term.objects.create(taxonomy=red, code="T0086", label="Develop image-based content")
    area = Term.objects.create(taxonomy=region, code="indo-pacific", label="Indo-Pacific")
    secret_theme = Term.objects.create(taxonomy=theme, code="secret", label="Wombat theme")
    cases = {}
    for tlp, status, mode, discoverable in itertools.product(TLPS, STATUSES, MODES, [False, True]):
        if discoverable and tlp != "amber":
            continue  # the database refuses it (test_discoverable_only_amber_in_database)
        case = CaseStudyFactory(
            organisation=named_origin if mode == "named" else hidden_origin,
            title=f"{MARK} {tlp} {status} {mode} {'offered' if discoverable else 'closed'}",
            summary="Narrative kept to readers: Platypus.",
            tlp=tlp,
            status=status,
            attribution_mode=mode,
            discoverable=discoverable,
            incident_start=datetime.date(2023, 4, 1),
            published_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
            if status == "published"
            else None,
            recipients=[recipient] if tlp in ("amber", "amber_strict") else [],
            terms=[technique, area, secret_theme],
        )
        cases[(tlp, status, mode, discoverable)] = case
    return {"people": people, "cases": cases}


def _actor(world, actor: str):
    return AnonymousUser() if actor == "visitor" else world["people"][actor]


def _client(world, actor: str) -> Client:
    client = Client()
    if actor != "visitor":
        client.force_login(world["people"][actor])
    return client


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _expected(world, actor: str) -> set[str]:
    return {case.title for key, case in world["cases"].items() if sees_stub(actor, *key)}


@pytest.mark.parametrize("actor", ACTORS)
def test_discoverable_by_matches_the_rule(world, actor):
    found = CaseStudy.objects.discoverable_by(_actor(world, actor))
    assert set(found.values_list("title", flat=True)) == _expected(world, actor)
    # and never a case the actor may read
    readable = CaseStudy.objects.visible_to(_actor(world, actor))
    assert not found.filter(pk__in=readable.values("pk")).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_stub_list_page_shows_exactly_the_stubs_and_only_stub_fields(world, actor):
    response = _client(world, actor).get(reverse("practices:access-stub-list"))
    if actor == "visitor":
        assert response.status_code == 302  # sign in first
        return
    if actor in ("deactivated", "inactive_org_member"):
        assert response.status_code in (302, 404)
        return
    assert response.status_code == 200
    html = response.content.decode()
    expected = _expected(world, actor)
    for case in world["cases"].values():
        assert (case.title in html) == (case.title in expected), (actor, case.title)
    # Never the organisation of an anonymised case, nor anything beyond the stub fields.
    if actor not in ("origin_member", "origin_admin"):
        assert "Hidden Ministry" not in html
        assert "HIDN" not in html
    assert "Platypus" not in html
    assert "Wombat" not in html
    if expected:
        assert "T0086" in html and "Develop image-based content" in html
        assert "Indo-Pacific" in html and "2023" in html
        if actor.startswith("other"):
            assert "Named Ministry" in html  # a named case may show its organisation
        assert "A partner organisation (Indo-Pacific)" in html


@pytest.mark.parametrize("actor", ACTORS)
def test_stub_page_follows_the_rule_and_answers_404_as_for_a_missing_case(world, actor):
    client = _client(world, actor)
    missing = client.get(reverse("practices:access-stub-detail", args=[uuid.uuid4()]))
    readable = set(CaseStudy.objects.visible_to(_actor(world, actor)).values_list("pk", flat=True))
    for key, case in world["cases"].items():
        response = client.get(reverse("practices:access-stub-detail", args=[case.uuid]))
        label = (actor, *key)
        if actor in ("visitor", "deactivated", "inactive_org_member"):
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif sees_stub(actor, *key):
            assert response.status_code == 200, label
            html = response.content.decode()
            assert case.title in html
            assert "Hidden Ministry" not in html and "Platypus" not in html, label
        elif case.pk in readable:
            assert response.status_code == 302, label
            assert response["Location"] == reverse("practices:case-detail", args=[case.uuid])
        else:
            # Exactly as for a case that does not exist: same status, same page.
            assert response.status_code == missing.status_code == 404, label
            assert _without_csrf(response) == _without_csrf(missing), label


def test_stub_list_makes_a_constant_number_of_queries(world, django_assert_max_num_queries):
    client = _client(world, "other_member")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("practices:access-stub-list"))
    named = world["cases"][("amber", "published", "named", True)]
    for i in range(5):
        CaseStudyFactory(
            organisation=named.organisation,
            title=f"More stubs {i}",
            tlp="amber",
            status="published",
            discoverable=True,
            terms=list(named.terms.all()),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("practices:access-stub-list"))
    assert "More stubs 4" in response.content.decode()


def test_stub_selector_carries_only_stub_fields(world):
    stubs = stub_list(actor=world["people"]["other_member"])
    assert {s.title for s in stubs} == _expected(world, "other_member")
    anonymised = next(s for s in stubs if "anonymised" in s.title)
    assert anonymised.originator is None
    assert anonymised.originator_region == "Indo-Pacific"
    assert anonymised.techniques == [("T0086", "Develop image-based content")]
    assert anonymised.regions == ["Indo-Pacific"]
    assert anonymised.incident_year == 2023
    assert not hasattr(anonymised, "summary") and not hasattr(anonymised, "organisation")


@pytest.mark.parametrize("actor", ["other_member", "recipient_member", "moderator"])
def test_stubs_never_appear_in_browse_search_facets_or_the_api_list(world, actor):
    search_index_rebuild()
    client = _client(world, actor)
    readable = set(
        CaseStudy.objects.visible_to(_actor(world, actor)).values_list("title", flat=True)
    )
    stubs_only = _expected(world, "other_member") - readable
    browse = client.get(reverse("practices:case-list")).content.decode()
    search = client.get(reverse("practices:case-list"), {"q": MARK}).content.decode()
    api = client.get("/api/v1/cases/", {"limit": 200}).json()
    api_search = client.get("/api/v1/cases/", {"q": MARK, "limit": 200}).json()
    facets = client.get("/api/v1/cases/facets/", {"q": MARK}).json()
    api_titles = {c["title"] for c in api["results"]} | {c["title"] for c in api_search["results"]}
    assert api_titles <= readable
    for title in stubs_only:
        assert title not in browse and title not in search
    # The search and its facets count exactly the readable published cases with the word.
    readable_published = (
        CaseStudy.objects.visible_to(_actor(world, actor)).filter(status="published").count()
    )
    assert facets["count"] == readable_published


def test_stubs_never_appear_in_the_feed(world):
    with_recipient = world["cases"][("amber", "published", "named", True)]
    for case in world["cases"].values():
        from django.db import transaction

        with transaction.atomic():
            feed.change_record(case)
    other = world["people"]["other_member"].organisation
    _, secret = api_token_create(actor=None, organisation=other, name="mirror")
    body = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/changes/").json()
    uuids = {entry["uuid"] for entry in body["results"]} | {
        (entry.get("case") or {}).get("uuid") for entry in body["results"]
    }
    assert str(with_recipient.uuid) not in uuids
    readable = {
        str(u)
        for u in CaseStudy.objects.visible_to(world["people"]["other_member"]).values_list(
            "uuid", flat=True
        )
    }
    assert {u for u in uuids if u} <= readable


def test_requester_pages_never_name_an_anonymised_originator(world):
    other_member = world["people"]["other_member"]
    hidden = world["cases"][("amber", "published", "anonymised", True)]
    access_request = access.access_request_create(
        actor=other_member, case_study=hidden, reason="We face the same campaign."
    )
    client = _client(world, "other_member")
    for url in (
        reverse("practices:access-requests-ours"),
        reverse("practices:access-request-detail", args=[access_request.uuid]),
        reverse("practices:access-stub-detail", args=[hidden.uuid]),
        reverse("practices:access-stub-list"),
    ):
        html = client.get(url).content.decode()
        assert "Hidden Ministry" not in html and "HIDN" not in html, url
        assert hidden.title in html, url


def test_a_request_for_a_case_no_longer_offered_shows_no_title(world):
    other_member = world["people"]["other_member"]
    case = world["cases"][("amber", "published", "named", True)]
    access.access_request_create(actor=other_member, case_study=case, reason="Same narrative.")
    CaseStudy.objects.filter(pk=case.pk).update(discoverable=False)
    html = _client(world, "other_member").get(reverse("practices:access-requests-ours"))
    assert case.title not in html.content.decode()
    assert "no longer offered" in html.content.decode()
    mine = access_requests_by(actor=other_member).get()
    assert not mine.readable and not mine.offered


def _counts_of(node, code: str) -> list[int]:
    """Every "count" next to this code anywhere in an API answer."""
    found = []
    if isinstance(node, dict):
        if node.get("code") == code and "count" in node:
            found.append(node["count"])
        for value in node.values():
            found += _counts_of(value, code)
    elif isinstance(node, list):
        for value in node:
            found += _counts_of(value, code)
    return found


@pytest.mark.parametrize("actor", ["other_member", "origin_member", "recipient_member"])
def test_stubs_never_count_in_the_matrix_or_insights(world, actor):
    client = _client(world, actor)
    readable_published = (
        CaseStudy.objects.visible_to(_actor(world, actor)).filter(status="published").count()
    )
    insights = client.get("/api/v1/insights/").json()
    matrix = client.get("/api/v1/matrix/").json()
    # Every case of the world carries T0086: each count is the readable published cases only.
    assert insights["count"] == readable_published
    assert set(_counts_of(insights, "T0086")) == {readable_published}
    assert set(_counts_of(matrix, "T0086")) == {readable_published}
    for page in ("practices:matrix", "practices:insights"):
        html = client.get(reverse(page)).content.decode()
        for title in _expected(world, actor):
            assert title not in html
