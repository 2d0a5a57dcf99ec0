"""The insights page, its CSV and its API: every number is the length of the list of the
reader's visible cases it stands for (worked out by the oracle from ``visible_to``), each link
opens a list of exactly that many cases, and no case the reader may not read ever counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from practices.discovery.filters import CaseStudyFilterSet
from practices.insights.charts import CHARTS, insights
from practices.insights.selectors import EFFECTIVENESS_ORDER
from tests.practices.api.test_api_cases import bearer
from tests.practices.insights.conftest import ACTORS, make_case
from tests.practices.insights.oracle import matching, tags_of
from tests.practices.insights.test_matrix import client_for, listed
from tests.practices.insights.test_navigator_and_api import _queries

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "tag=country:JP",
    "tag=region:indo-pacific",  # the region chart's own family: it counts every region
    "q=elections",
    "tag=disarm-red:T0086&tag=disarm-blue:C00159",
    "year=2024&tlp=green&tlp=amber&tlp=amber_strict",
    "effectiveness=highly_effective&effectiveness=ineffective",
    "period_from=2025-01-01",
]


def answer_for(actor, query: str):
    return insights(CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor))


def codes(cases, slug: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        for tag in tags_of(case):
            if tag.startswith(f"{slug}:"):
                code = tag.partition(":")[2]
                counts[code] = counts.get(code, 0) + 1
    return counts


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("query", QUERIES)
def test_every_chart_counts_the_readable_matching_cases(world, people, who, query):
    actor = people[who]
    answer = answer_for(actor, query)

    # Over time: the query's years left out; a quarter counts the incidents started in it.
    cases = matching(actor, query, without=("year",))
    expected: dict[tuple[int, int], int] = {}
    for case in cases:
        if case.incident_start:
            key = (case.incident_start.year, (case.incident_start.month - 1) // 3 + 1)
            expected[key] = expected.get(key, 0) + 1
    drawn = {(q.year, q.quarter): q.count for q in answer.timeline.quarters}
    assert {k: v for k, v in drawn.items() if v} == expected
    assert answer.timeline.undated == sum(1 for case in cases if not case.incident_start)
    for year in answer.timeline.years:
        assert year.count == len(matching(actor, query, year=[str(year.year)]))

    for chart, slug in ((answer.regions, "region"), (answer.themes, "theme")):
        everything = codes(matching(actor, query, without=(slug,)), slug)
        assert {bar.code: bar.count for bar in chart.bars} == everything, slug
        for bar in chart.bars:
            assert bar.count == len(matching(actor, query, **{slug: [bar.code]}))

    assert [bar.code for bar in answer.effectiveness.bars] == EFFECTIVENESS_ORDER
    for bar in answer.effectiveness.bars:
        assert bar.count == len(matching(actor, query, effectiveness=[bar.code]))

    techniques = codes(matching(actor, query, without=("disarm-red",)), "disarm-red")
    assert {bar.code: bar.count for bar in answer.techniques.bars} == techniques
    for bar in answer.techniques.bars:
        pairs = matching(actor, query, **{"disarm-red": [bar.code]}, without=("disarm-blue",))
        assert {c.code: c.count for c in bar.children} == codes(pairs, "disarm-blue")
        for counter in bar.children:
            both = matching(
                actor, query, **{"disarm-red": [bar.code], "disarm-blue": [counter.code]}
            )
            assert counter.count == len(both)


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "tag=country:JP&q=elections", "tag=region:euro-atlantic"])
def test_each_number_links_to_a_list_of_exactly_that_many_cases(world, people, who, query):
    client = client_for(people[who])
    response = client.get(reverse("practices:insights") + "?" + query)
    assert response.status_code == 200
    content = response.content.decode()
    answer = response.context["answer"]
    links = 0
    for chart in answer.charts:
        for bar in [*chart.bars, *[c for b in chart.bars for c in b.children]]:
            if bar.count:
                assert listed(client, bar.query) == bar.count, (chart.key, bar.code)
                assert f'href="/cases/?{bar.query}"'.replace("&", "&amp;") in content
                links += 1
    for year in answer.timeline.years:
        assert listed(client, year.query) == year.count
    assert links or (who, query) == ("visitor", "tag=country:JP&q=elections")  # no JP case
    assert listed(client, response.context["counted_query"]) == response.context["found"]


def test_invisible_cases_never_count(world, people):
    # T0099 and C00008 are only on other organisations' AMBER(+STRICT) cases for the third
    # office, a draft, a withdrawn and a submitted case.
    expected = {"visitor": 0, "member": 0, "recipient": 1, "moderator": 1, "author": 1}
    for who, count in expected.items():
        answer = answer_for(people[who], "")
        techniques = {bar.code: bar.count for bar in answer.techniques.bars}
        assert techniques.get("T0099", 0) == count, who
        counters = {c.code for bar in answer.techniques.bars for c in bar.children}
        assert ("C00008" in counters) == (who in ("recipient", "moderator", "author")), who
    visitor = answer_for(people["visitor"], "")  # TLP:CLEAR only: Harbour video and Undated
    assert sum(q.count for q in visitor.timeline.quarters) + visitor.timeline.undated == 2
    assert {b.code: b.count for b in visitor.regions.bars} == {"indo-pacific": 1}
    member = answer_for(people["member"], "")
    assert {b.code: b.count for b in member.effectiveness.bars if b.count} == {
        "effective": 2,  # Ballot rumours, Undated
        "partly_effective": 1,
        "highly_effective": 1,
        "ineffective": 1,  # Amber for the reader (the member's organisation receives it)
        "not_assessed": 1,  # its own amber
    }


def test_the_charts_are_accessible_drawings_with_their_tables(world, member):
    response = client_for(member).get(reverse("practices:insights"))
    content = response.content.decode()
    svgs = re.findall(r"<svg[^>]*>", content)
    assert len(svgs) == 5  # over time, region, theme, effectiveness, techniques
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r'aria-label="[^"]+"', svg)
        assert "aria-describedby" in svg
    assert content.count("<title>") == 5 + 1 and content.count("<desc ") == 5  # + the page's
    assert content.count("<table") == 5 and content.count("<caption") == 5
    assert "<details" in content
    assert 'class="bar-value"' in content  # the numbers are written, not only drawn
    assert "Most-adopted practices" in content  # a table once adoptions exist (tests/…/hub)
    for chart in CHARTS:
        assert reverse("practices:insights-csv", args=[chart]) in content
    header = f'href="{reverse("practices:insights")}" aria-current="page"'
    assert header in content
    matrix = client_for(member).get(reverse("practices:matrix") + "?q=elections").content.decode()
    assert f'href="{reverse("practices:insights")}?q=elections"' in matrix


def csv_of(client: Client, chart: str, query: str = "") -> list[dict]:
    response = client.get(reverse("practices:insights-csv", args=[chart]) + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="insights-{chart}.csv"'
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "q=elections&tag=country:JP"])
def test_each_csv_holds_the_charts_values(world, people, who, query):
    actor = people[who]
    client = client_for(actor)
    answer = answer_for(actor, query)
    for chart in answer.charts:
        rows = csv_of(client, chart.key, query)
        assert [(r["code"], int(r["cases"])) for r in rows] == [
            (b.code, b.count) for b in chart.bars
        ]
        for row, bar in zip(rows, chart.bars, strict=True):
            assert row["label"] == bar.plain_label
            assert row["list"] == f"http://testserver/cases/?{bar.query}"
    rows = csv_of(client, "time", query)
    dated = [r for r in rows if r["year"] != "undated"]
    assert [(int(r["year"]), int(r["quarter"]), int(r["cases"])) for r in dated] == [
        (q.year, q.quarter, q.count) for q in answer.timeline.quarters
    ]
    undated = [int(r["cases"]) for r in rows if r["year"] == "undated"]
    assert sum(undated) == answer.timeline.undated
    rows = csv_of(client, "counters", query)
    assert [(r["technique"], r["counter"], int(r["cases"])) for r in rows] == [
        (b.code, c.code, c.count) for b in answer.techniques.bars for c in b.children
    ]


def test_the_csv_columns(world, member):
    client = client_for(member)
    heads = {}
    for chart in CHARTS:
        response = client.get(reverse("practices:insights-csv", args=[chart]))
        heads[chart] = response.content.decode().splitlines()[0]
    assert heads["region"] == "code,label,cases,list"
    assert heads["time"] == "year,quarter,cases,year_cases,year_list"
    assert heads["counters"] == "technique,technique_label,counter,counter_label,cases,list"
    assert heads["adopted"] == "rank,uuid,title,tlp,adoptions,average_effect,url"
    assert client.get("/insights/nothing.csv").status_code == 404


@pytest.mark.parametrize("who", ["member", "recipient", "moderator"])
def test_the_api_gives_the_pages_figures(world, people, who):
    actor = people[who]
    api = APIClient()
    api.force_authenticate(actor)
    for query in ("", "tag=country:JP", "q=elections"):
        data = api.get("/api/v1/insights/?" + query).json()
        answer = answer_for(actor, query)
        assert data["count"] == len(matching(actor, query))
        assert [(q["year"], q["quarter"], q["count"]) for q in data["over_time"]] == [
            (q.year, q.quarter, q.count) for q in answer.timeline.quarters
        ]
        assert data["undated"] == answer.timeline.undated
        assert data["regions"] == [
            {"code": b.code, "label": b.plain_label, "count": b.count} for b in answer.regions.bars
        ]
        assert [(t["code"], t["count"]) for t in data["themes"]] == [
            (b.code, b.count) for b in answer.themes.bars
        ]
        assert data["effectiveness"] == {b.code: b.count for b in answer.effectiveness.bars}
        assert [
            (t["code"], t["count"], [(c["code"], c["count"]) for c in t["counters"]])
            for t in data["techniques"]
        ] == [
            (b.code, b.count, [(c.code, c.count) for c in b.children])
            for b in answer.techniques.bars
        ]


def test_the_api_answers_members_only(world, org):
    assert APIClient().get("/api/v1/insights/").status_code == 401
    assert bearer(org).get("/api/v1/insights/", {"tlp": "red"}).status_code == 400
    assert bearer(org).get("/api/v1/insights/").status_code == 200


def test_visitors_are_sent_to_sign_in_without_the_public_view(world, client, settings):
    settings.PUBLIC_VIEW_ENABLED = False
    for url in ("/insights/", "/insights/region.csv", "/insights/theatres/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


URLS = [
    "/insights/",
    "/insights/?q=elections&tag=country:JP&tag=region:indo-pacific",
    "/insights/techniques.csv?tlp=green",
    "/insights/time.csv",
    "/insights/adopted.csv?tlp=green",
    "/insights/theatres/",
    "/insights/theatres/?q=elections&effectiveness=effective",
]
API_URLS = ["/api/v1/insights/?tag=country:JP", "/api/v1/insights/theatres/?year=2024"]


def test_each_page_and_endpoint_makes_as_many_queries_whatever_the_number_of_cases(
    world, org, other_org, member
):
    client = client_for(member)
    api = bearer(org)
    api.get("/api/v1/me/")  # the token's first use is recorded once
    before = {url: _queries(client, url) for url in URLS}
    before |= {url: _queries(api, url) for url in API_URLS}
    for n in range(24):
        make_case(
            f"More elections {n}",
            organisation=other_org if n % 2 else org,
            tlp="green" if n % 3 else "amber",
            year=2020 + n % 6,
            effectiveness=EFFECTIVENESS_ORDER[n % 5],
            summary="More rumours about the elections.",
            tags=[
                f"disarm-red:{['T0086', 'T0099', 'T0073'][n % 3]}",
                f"disarm-blue:{['C00159', 'C00030', 'C00008'][n % 3]}",
                "country:JP",
                "theme:elections",
                "threat-actor:state",
                f"region:{['indo-pacific', 'euro-atlantic'][n % 2]}",
            ],
        )
    from practices.discovery.search import search_index_rebuild

    search_index_rebuild()
    after = {url: _queries(client, url) for url in URLS}
    after |= {url: _queries(api, url) for url in API_URLS}
    assert after == before
    # Without a search the charts come from aggregates shared by readers (practices.insights.
    # shared): the feed number, the reader's own cases and their part of each figure are read
    # beside them, and inside a test's transaction nothing is cached, so each aggregate is
    # built here too (fifteen queries; ten before the shared aggregates, thirteen once cached).
    assert before["/insights/"] <= 15, before
