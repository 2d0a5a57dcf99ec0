"""Across theatres: each theatre's cases, the terms seen in both with their first incident in
each, and the counters that worked in one theatre only — every figure from the reader's
visible, matching cases (the oracle from ``visible_to``), each link a list of that length."""

from __future__ import annotations

import datetime

import pytest
from django.http import QueryDict
from django.urls import reverse
from rest_framework.test import APIClient

from practices.discovery.filters import CaseStudyFilterSet
from practices.insights.theatres import SHARED, THEATRES, WORKED, across_theatres
from tests.practices.insights.conftest import ACTORS, make_case
from tests.practices.insights.oracle import matching, tags_of
from tests.practices.insights.test_matrix import client_for, listed

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "tag=region:euro-atlantic",  # the view's own family: left out
    "q=elections",
    "tag=theme:elections",
    "effectiveness=ineffective",  # left out of the responses only
    "tag=disarm-blue:C00159",
    "tlp=green&tlp=amber",
]


@pytest.fixture
def theatres_world(world, org, other_org, recipient):
    """More cases in each theatre, of several visibilities (author: ``other_org``)."""
    for title, kwargs in [
        (
            "Tallinn bots",
            dict(
                year=2022,
                tags=[
                    "disarm-red:T0099",
                    "disarm-blue:C00008",
                    "threat-actor:state",
                    "theme:elections",
                    "region:euro-atlantic",
                ],
            ),
        ),
        (
            "Amber Seoul",
            dict(
                tlp="amber",
                recipients=[recipient.organisation],
                year=2021,
                effectiveness="ineffective",
                tags=[
                    "disarm-red:T0099",
                    "disarm-blue:C00008",
                    "threat-actor:state",
                    "region:indo-pacific",
                ],
            ),
        ),
        (
            "Strict in both",
            dict(
                tlp="amber_strict",
                recipients=[org],
                year=2020,
                effectiveness="highly_effective",
                tags=[
                    "disarm-red:T0073",
                    "disarm-blue:C00030",
                    "region:euro-atlantic",
                    "region:indo-pacific",
                ],
            ),
        ),
        (
            "Draft in Asia",
            dict(
                status="draft",
                tags=["disarm-red:T0099", "disarm-blue:C00008", "region:indo-pacific"],
            ),
        ),
        ("Worldwide", dict(tlp="clear", tags=["disarm-red:T0099", "threat-actor:state"])),
    ]:
        make_case(title, organisation=other_org, **kwargs)
    from practices.discovery.search import search_index_rebuild

    search_index_rebuild()


def answer_for(actor, query: str):
    return across_theatres(CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor))


def theatres_of(case) -> set[str]:
    tags = tags_of(case)
    return {key for key, codes in THEATRES.items() if any(f"region:{c}" in tags for c in codes)}


def oracle(actor, query: str) -> dict:
    cases = matching(actor, query, without=("region",))
    sizes = {key: sum(1 for c in cases if key in theatres_of(c)) for key in THEATRES}
    seen: dict[tuple[str, str], dict[str, list]] = {}
    for case in cases:
        for tag in tags_of(case):
            slug, _, code = tag.partition(":")
            if slug in SHARED:
                for key in theatres_of(case):
                    seen.setdefault((slug, code), {}).setdefault(key, []).append(case)
    shared = {
        (slug, code): {
            key: (
                len(found),
                min((c.incident_start for c in found if c.incident_start), default=None),
            )
            for key, found in by_theatre.items()
        }
        for (slug, code), by_theatre in seen.items()
        if set(by_theatre) == set(THEATRES)
    }
    responses = matching(actor, query, without=("region", "disarm-blue", "effectiveness"))
    gaps = set()
    counters = {
        t.partition(":")[2] for c in responses for t in tags_of(c) if t.startswith("disarm-blue:")
    }
    for code in counters:
        using = [c for c in responses if f"disarm-blue:{code}" in tags_of(c)]
        for key in THEATRES:
            worked = [c for c in using if key in theatres_of(c) and c.effectiveness in WORKED]
            for other in THEATRES:
                if other != key and worked and not any(other in theatres_of(c) for c in using):
                    gaps.add((code, key, len(worked), other))
    return {"sizes": sizes, "shared": shared, "gaps": gaps}


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("query", QUERIES)
def test_every_figure_counts_the_readable_matching_cases(theatres_world, people, who, query):
    actor = people[who]
    answer = answer_for(actor, query)
    expected = oracle(actor, query)
    assert {t.key: t.count for t in answer.theatres} == expected["sizes"]
    assert {
        (slug, term.code): {key: (s.count, s.first) for key, s in term.seen.items()}
        for slug, terms in answer.shared.items()
        for term in terms
    } == expected["shared"]
    assert {(g.code, g.worked_in, g.worked, g.not_used_in) for g in answer.gaps} == expected["gaps"]


def test_what_each_reader_sees_differs_only_by_what_they_may_read(theatres_world, people):
    member = answer_for(people["member"], "")
    recipient = answer_for(people["recipient"], "")
    # Both theatres count "Strict in both" for the member (its organisation receives it).
    # Euro-Atlantic: Baltic letters, Tallinn bots; Indo-Pacific: Ballot rumours, Harbour video.
    assert {t.key: t.count for t in member.theatres} == {"euro-atlantic": 3, "indo-pacific": 3}
    state = {t.code: t for t in member.shared.get("threat-actor", [])}
    assert "state" in state and state["state"].first_in == "euro-atlantic"  # 2022 < 2024
    # The member does not read "Amber Seoul": C00008 worked in Euro-Atlantic (Tallinn bots)
    # and was not used in the Indo-Pacific; the recipient reads it, so there is no gap.
    assert ("C00008", "euro-atlantic") in {(g.code, g.worked_in) for g in member.gaps}
    assert "C00008" not in {g.code for g in recipient.gaps}
    # T0099 is seen in both theatres only by those who read "Amber Seoul" (2021: first there).
    assert "T0099" not in {t.code for t in member.shared.get("disarm-red", [])}
    t0099 = {t.code: t for t in recipient.shared["disarm-red"]}["T0099"]
    assert t0099.first_in == "indo-pacific"
    assert t0099.seen["indo-pacific"].first == datetime.date(2021, 3, 1)
    # The draft and the worldwide case never count in a theatre.
    moderator = answer_for(people["moderator"], "")
    assert {t.key: t.count for t in moderator.theatres} == {"euro-atlantic": 3, "indo-pacific": 4}


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "q=elections", "tag=region:indo-pacific&tlp=green"])
def test_each_number_links_to_a_list_of_exactly_that_many_cases(theatres_world, people, who, query):
    client = client_for(people[who])
    response = client.get(reverse("practices:insights-theatres") + "?" + query)
    assert response.status_code == 200
    content = response.content.decode()
    answer = response.context["answer"]
    for theatre in answer.theatres:
        assert listed(client, theatre.query) == theatre.count
    for _slug, _title, terms in answer.sections:
        for term in terms:
            for seen in term.columns:
                assert listed(client, seen.query) == seen.count
                assert f'href="/cases/?{seen.query}"'.replace("&", "&amp;") in content
    for gap in answer.gaps:
        assert listed(client, gap.worked_query) == gap.worked
        assert listed(client, gap.used_query) == gap.used


def test_the_page_is_reachable_and_says_what_it_compares(theatres_world, member):
    client = client_for(member)
    content = client.get(reverse("practices:insights-theatres")).content.decode()
    assert "<table" in content and "<caption" in content and 'scope="colgroup"' in content
    assert "Euro-Atlantic" in content and "Indo-Pacific" in content
    assert f'href="{reverse("practices:insights")}" aria-current="page"' in content  # header
    insights = client.get(reverse("practices:insights") + "?q=elections").content.decode()
    assert f'href="{reverse("practices:insights-theatres")}?q=elections"' in insights


@pytest.mark.parametrize("who", ["member", "recipient", "moderator"])
def test_the_api_gives_the_pages_figures(theatres_world, people, who):
    actor = people[who]
    api = APIClient()
    api.force_authenticate(actor)
    for query in ("", "tag=theme:elections"):
        data = api.get("/api/v1/insights/theatres/?" + query).json()
        answer = answer_for(actor, query)
        assert [(t["key"], t["regions"], t["count"]) for t in data["theatres"]] == [
            (t.key, list(THEATRES[t.key]), t.count) for t in answer.theatres
        ]
        for field, slug in (
            ("techniques", "disarm-red"),
            ("themes", "theme"),
            ("threat_actors", "threat-actor"),
        ):
            assert [
                (
                    t["code"],
                    {k: (v["count"], v["first_incident"]) for k, v in t["theatres"].items()},
                )
                for t in data["shared"][field]
            ] == [
                (
                    t.code,
                    {
                        k: (s.count, s.first.isoformat() if s.first else None)
                        for k, s in t.seen.items()
                    },
                )
                for t in answer.shared.get(slug, [])
            ]
        assert [
            (g["counter"]["code"], g["worked_in"], g["worked"], g["used"], g["not_used_in"])
            for g in data["worked_in_one_only"]
        ] == [(g.code, g.worked_in, g.worked, g.used, g.not_used_in) for g in answer.gaps]
    assert APIClient().get("/api/v1/insights/theatres/").status_code == 401


def test_the_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path, operation_id in [
        ("/api/v1/insights/", "insights"),
        ("/api/v1/insights/theatres/", "insights_theatres"),
    ]:
        operation = paths[path]["get"]
        assert operation["operationId"] == operation_id
        assert {p["name"] for p in operation["parameters"]} >= {"q", "tag", "tlp", "year"}
        assert "200" in operation["responses"]
