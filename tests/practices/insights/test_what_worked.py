""" "What worked against …": each group's number is the length of the list its link opens, its
distributions are those of the readable cases, and no case the reader may not read counts or
is named."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from practices.discovery.filters import CaseStudyFilterSet
from practices.insights.selectors import subject_get, what_worked
from practices.models import CaseStudy
from tests.practices.insights.conftest import ACTORS
from tests.practices.insights.oracle import matching, tags_of

pytestmark = pytest.mark.django_db

SUBJECTS = [
    "disarm-red:T0086",
    "disarm-red:T0099",
    "theme:elections",
    "country:JP",
    "platform:x",
    "threat-actor:state",
    "region:indo-pacific",
]
QUERIES = ["", "tag=country:JP&tag=country:EE", "q=elections", "effectiveness=highly_effective"]


def answer_for(actor, subject: str, query: str = ""):
    slug, _, code = subject.partition(":")
    filterset = CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor)
    return what_worked(filterset, subject_get(slug, code))


def listed(client: Client, query: str) -> int:
    return client.get(reverse("practices:case-list") + "?" + query).context["page"].paginator.count


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("query", QUERIES)
def test_each_figure_counts_the_readable_cases(world, people, who, subject, query):
    actor = people[who]
    slug, _, code = subject.partition(":")
    answer = answer_for(actor, subject, query)
    cases = matching(actor, query, without=("disarm-blue",), **{slug: [code]})
    assert answer.overall.count == len(cases)
    counters = {
        tag.partition(":")[2]
        for case in cases
        for tag in tags_of(case)
        if tag.startswith("disarm-blue:")
    }
    assert sorted(g.code for g in answer.groups) == sorted(counters)
    for group in answer.groups:
        used = [c for c in cases if f"disarm-blue:{group.code}" in tags_of(c)]
        assert group.count == len(used)
        for share in group.effectiveness:
            assert share.count == sum(c.effectiveness == share.value for c in used)
        for share in group.evidence:
            assert share.count == sum(c.evidence == share.value for c in used)
    without = [c for c in cases if not any(t.startswith("disarm-blue:") for t in tags_of(c))]
    assert (answer.without_counter.count if answer.without_counter else 0) == len(without)
    readable_ids = set(
        CaseStudy.objects.visible_to(actor).published().values_list("uuid", flat=True)
    )
    for group in [*answer.groups, *([answer.without_counter] if answer.without_counter else [])]:
        assert {example.uuid for example in group.examples} <= readable_ids


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("subject", ["disarm-red:T0086", "theme:elections", "country:JP"])
def test_each_link_opens_a_list_of_exactly_that_many_cases(world, people, who, subject):
    client = Client()
    if people[who].is_authenticated:
        client.force_login(people[who])
    slug, _, code = subject.partition(":")
    query = "tag=disarm-blue:C00030&year=2024&year=2023"  # the Blue choice is left out
    response = client.get(reverse("practices:what-worked", args=[slug, code]) + "?" + query)
    assert response.status_code == 200
    answer = response.context["answer"]
    assert listed(client, answer.overall.query) == answer.overall.count
    for group in answer.groups:
        assert listed(client, group.query) == group.count, group.code
        for share in group.effectiveness:
            if share.count:
                assert listed(client, share.query) == share.count, (group.code, share.value)
    if answer.without_counter:
        assert answer.without_counter.query == ""  # no list can be asked for "no counter"
        assert all(not share.query for share in answer.without_counter.effectiveness)


def test_invisible_cases_are_neither_counted_nor_named(world, people):
    member = answer_for(people["member"], "disarm-red:T0099")
    assert member.overall.count == 0 and member.groups == [] and member.without_counter is None
    recipient = answer_for(people["recipient"], "disarm-red:T0099")
    assert [(g.code, g.count) for g in recipient.groups] == [("C00008", 1)]
    assert [e.title for e in recipient.groups[0].examples] == ["Strict for the third office"]

    client = Client()
    client.force_login(people["member"])
    content = client.get(reverse("practices:what-worked", args=["country", "JP"])).content.decode()
    assert "Amber for the reader" in content  # its recipient
    assert "Amber for the third office" not in content
    assert "Strict for the third office" not in content
    assert "C00008" not in content  # used only in cases the member may not read


def test_unknown_terms_and_counters_are_not_subjects(world, client):
    for slug, code in [("disarm-red", "T9999"), ("disarm-blue", "C00159"), ("keyword", "x")]:
        assert client.get(reverse("practices:what-worked", args=[slug, code])).status_code == 404
    assert client.get("/what-worked/country/J%20P/").status_code == 404


def test_the_page_is_reachable_from_the_case_page_the_search_and_the_matrix(world, member):
    client = Client()
    client.force_login(member)
    url = reverse("practices:what-worked", args=["disarm-red", "T0086"])
    case = CaseStudy.objects.get(title="Ballot rumours")
    page = client.get(reverse("practices:case-detail", args=[case.uuid])).content.decode()
    assert f'href="{url}"' in page
    assert f'href="{reverse("practices:what-worked", args=["theme", "elections"])}"' in page
    listing = client.get(reverse("practices:case-list") + "?tag=disarm-red:T0086&tlp=green")
    assert f'href="{url}?tlp=green"' in listing.content.decode()
    assert "What worked against DISARM T0086" in listing.content.decode()
    matrix = client.get(reverse("practices:matrix") + "?tlp=green").content.decode()
    assert f'href="{url}?tlp=green"' in matrix
