"""The DISARM matrix, Red and Blue: every number is the length of the list its link opens, for
every kind of reader, and no case the reader may not read ever counts."""

from __future__ import annotations

import csv

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from practices.discovery.filters import CaseStudyFilterSet
from practices.insights.selectors import counter_use, disarm_matrix
from practices.vocabularies.loaders import DATA_DIR, vocabularies_load
from tests.practices.insights.conftest import ACTORS
from tests.practices.insights.oracle import matching

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "tag=country:JP",
    "tag=disarm-red:T0086",  # the matrix's own family: marked, but it counts every technique
    "tag=disarm-red:T0086&tag=country:EE&tag=country:JP",
    "q=elections",
    "q=elections&tlp=green&tlp=amber",
    "tag=disarm-blue:C00159&year=2024",
    "effectiveness=highly_effective&effectiveness=ineffective",
    "period_from=2025-01-01",
]


def client_for(actor) -> Client:
    client = Client()
    if actor.is_authenticated:
        client.force_login(actor)
    return client


def filterset(actor, query: str) -> CaseStudyFilterSet:
    return CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor)


def listed(client: Client, query: str) -> int:
    response = client.get(reverse("practices:case-list") + "?" + query)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("query", QUERIES)
def test_each_technique_counts_the_readable_cases_tagged_with_it(world, people, who, query):
    actor = people[who]
    matrix = disarm_matrix(filterset(actor, query))
    for cell in matrix.cells():
        expected = len(matching(actor, query, **{"disarm-red": [cell.code]}))
        assert cell.count == expected, (cell.code, query)


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "tag=country:JP", "tag=disarm-red:T0074&q=elections"])
def test_each_cell_links_to_a_list_of_exactly_that_many_cases(world, people, who, query):
    client = client_for(people[who])
    response = client.get(reverse("practices:matrix") + "?" + query)
    assert response.status_code == 200
    matrix = response.context["matrix"]
    content = response.content.decode()
    checked = 0
    for cell in matrix.cells():
        assert listed(client, cell.query) == cell.count, cell.code
        if cell.count:
            assert f'href="/cases/?{cell.query}"'.replace("&", "&amp;") in content
            checked += 1
    assert checked or (who, query) == ("visitor", "tag=country:JP")  # a visitor: no JP case
    # "Counted from N matching cases": the list that leaves the matrix's own family out.
    counted = response.context["counted_query"]
    assert listed(client, counted) == response.context["found"]


def test_invisible_cases_never_count(world, people):
    # T0099 is on a draft, a withdrawn and a submitted case, and on a published AMBER+STRICT
    # case for the third office (written by the author's organisation).
    expected = {"visitor": 0, "member": 0, "recipient": 1, "moderator": 1, "author": 1}
    for who, count in expected.items():
        cells = {cell.code: cell for cell in disarm_matrix(filterset(people[who], "")).cells()}
        assert cells["T0099"].count == count, who
    # C00008 only on the third office's AMBER and AMBER+STRICT cases, a draft and a withdrawn one.
    expected = {"visitor": 0, "member": 0, "recipient": 2, "moderator": 2, "author": 2}
    for who, count in expected.items():
        used = {
            c.code: c.count for g in counter_use(filterset(people[who], "")) for c in g.counters
        }
        assert used.get("C00008", 0) == count, who
    # A visitor reads the TLP:CLEAR cases only.
    visitor = {c.code: c.count for c in disarm_matrix(filterset(people["visitor"], "")).cells()}
    assert visitor["T0086"] == 1 and visitor["T0073"] == 1
    member = {c.code: c.count for c in disarm_matrix(filterset(people["member"], "")).cells()}
    assert member["T0086"] == 5  # Ballot, Baltic, Amber for the reader, its own amber, Undated


def test_tactics_are_columns_in_phase_order_with_their_techniques(world, people):
    matrix = disarm_matrix(filterset(people["moderator"], ""))
    assert [t.code for t in matrix.tactics] == ["TA01", "TA06", "TA02"]
    assert [[c.code if c else None for c in row] for row in matrix.rows] == [
        ["T0073", "T0086", None],
        ["T0074", "T0099", None],
    ]
    t0074 = matrix.rows[1][0]
    assert [sub.code for sub in t0074.children] == ["T0074.001"]
    assert matrix.tactics[0].shortname == "plan-strategy"


def test_the_real_framework_is_laid_out_in_its_phase_order(db, member):
    vocabularies_load()
    with (DATA_DIR / "disarm" / "tactics.csv").open(encoding="utf-8-sig") as handle:
        tactics = sorted(
            csv.DictReader(handle), key=lambda row: (int(row["rank"]), row["disarm_id"])
        )
    matrix = disarm_matrix(filterset(member, ""))
    assert [t.code for t in matrix.tactics] == [row["disarm_id"] for row in tactics]
    by_code = {cell.code: cell for cell in matrix.cells()}
    assert "T0002" in [t.code for t in by_code["TA02"].children]  # Facilitate State Propaganda
    assert all(
        "." in sub.code for t in by_code.values() for sub in t.children if t.code[:2] == "T0"
    )


def test_the_matrix_page_is_an_accessible_table_with_the_attribution(world, member):
    response = client_for(member).get(reverse("practices:matrix"))
    content = response.content.decode()
    assert "<table" in content and "<caption" in content
    assert content.count('<th scope="col"') == 3
    assert 'role="region"' in content and 'tabindex="0"' in content  # scrolls within itself
    assert "<details" in content  # sub-techniques fold away without script
    assert "DISARM Foundation" in content and "CC BY-SA 4.0" in content
    assert f'href="{reverse("practices:matrix")}" aria-current="page"' in content  # header link


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "tag=country:JP&effectiveness=ineffective", "q=elections"])
def test_the_blue_view_counts_each_counter_and_rating_as_its_list(world, people, who, query):
    actor = people[who]
    client = client_for(actor)
    response = client.get(reverse("practices:matrix-blue") + "?" + query)
    assert response.status_code == 200
    for group in response.context["groups"]:
        for counter in group.counters:
            expected = matching(actor, query, **{"disarm-blue": [counter.code]})
            assert counter.count == len(expected) == listed(client, counter.query)
            for share in counter.effectiveness:
                rated = [case for case in expected if case.effectiveness == share.value]
                assert share.count == len(rated), (counter.code, share.value)
                if share.count:
                    assert listed(client, share.query) == share.count


def test_the_blue_view_lists_only_counters_in_use(world, people):
    groups = counter_use(filterset(people["member"], ""))
    assert [(g.code, [c.code for c in g.counters]) for g in groups] == [
        ("M004", ["C00159"]),
        ("M010", ["C00030"]),
    ]


def test_visitors_are_sent_to_sign_in_without_the_public_view(world, client, settings):
    settings.PUBLIC_VIEW_ENABLED = False
    for name in ("practices:matrix", "practices:matrix-blue", "practices:matrix-navigator"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
