"""The Navigator layer (the layer format's required fields, scores as on the matrix), the API
(same figures as the pages, in the schema, for members only) and the query counts of every
page and endpoint here, which do not grow with the number of cases."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from practices.discovery.filters import CaseStudyFilterSet
from practices.insights.navigator import DOMAIN
from practices.insights.selectors import counter_use, disarm_matrix
from practices.models import CaseStudy
from practices.vocabularies.loaders import DISARM_VERSION
from tests.practices.api.test_api_cases import bearer
from tests.practices.insights.conftest import make_case
from tests.practices.insights.oracle import readable

pytestmark = pytest.mark.django_db


def layer_of(client: Client, query: str = "") -> dict:
    response = client.get(reverse("practices:matrix-navigator") + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def assert_valid_layer(layer: dict) -> None:
    """The required properties of the Navigator's layer format (4.x) and their types."""
    assert isinstance(layer["name"], str) and layer["name"]
    assert layer["domain"] == DOMAIN
    versions = layer["versions"]
    assert {"layer", "navigator"} <= set(versions) and all(
        isinstance(v, str) for v in versions.values()
    )
    assert isinstance(layer["techniques"], list)
    for technique in layer["techniques"]:
        assert isinstance(technique["techniqueID"], str)
        # score is optional in the format (an unscored entry only opens sub-techniques)
        assert isinstance(technique.get("score", 0), int | float)
        assert isinstance(technique.get("comment", ""), str)
        assert isinstance(technique.get("tactic", ""), str)
        for link in technique.get("links", []):
            assert link["url"].startswith(("http://", "https://")) and link["label"]
    gradient = layer["gradient"]
    assert len(gradient["colors"]) >= 2
    assert all(c.startswith("#") for c in gradient["colors"])
    assert gradient["maxValue"] > gradient["minValue"]
    for item in layer.get("metadata", []):
        assert set(item) == {"name", "value"}


@pytest.mark.parametrize("who", ["visitor", "member", "recipient", "moderator"])
@pytest.mark.parametrize("query", ["", "tag=country:JP", "q=elections"])
def test_the_layer_scores_each_technique_as_the_matrix_counts_it(world, people, who, query):
    actor = people[who]
    client = Client()
    if actor.is_authenticated:
        client.force_login(actor)
    layer = layer_of(client, query)
    assert_valid_layer(layer)
    matrix = disarm_matrix(CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor))
    expected = {
        cell.code: cell.count
        for tactic in matrix.tactics
        for technique in tactic.children
        for cell in [technique, *technique.children]
        if cell.count
    }
    scored = [t for t in layer["techniques"] if "score" in t]
    assert {t["techniqueID"]: t["score"] for t in scored} == expected
    for technique in scored:
        assert technique["links"][0]["url"].startswith("http://testserver/cases/?")
    # A technique without cases of its own is listed, unscored and open, only so that the
    # Navigator shows the scores of its sub-techniques.
    for technique in layer["techniques"]:
        if "score" not in technique:
            assert technique["showSubtechniques"] is True
            assert any(code.startswith(technique["techniqueID"] + ".") for code in expected)


def test_the_layer_carries_the_framework_and_its_attribution(world, member):
    client = Client()
    client.force_login(member)
    layer = layer_of(client, "tag=country:JP")
    assert DISARM_VERSION in layer["description"]
    assert "DISARM Foundation" in layer["description"] and "CC BY-SA 4.0" in layer["description"]
    metadata = {item["name"]: item["value"] for item in layer["metadata"]}
    assert metadata["Framework"] == DISARM_VERSION
    assert "DISARM Foundation" in metadata["Attribution"]
    assert "Japan" in metadata["Search"]
    by_id = {t["techniqueID"]: t for t in layer["techniques"]}
    assert by_id["T0086"]["tactic"] == "develop-content"
    assert by_id["T0086"]["comment"] == "2 cases"  # Ballot rumours, Amber for the reader


# --- API -------------------------------------------------------------------------------------


def test_the_api_gives_the_pages_figures_to_a_token(world, org, member):
    client = bearer(org)
    matrix = client.get("/api/v1/matrix/", {"tag": "country:JP"}).json()
    page = disarm_matrix(CaseStudyFilterSet.for_reader(QueryDict("tag=country:JP"), actor=member))
    counts = {
        t["code"]: t["count"]
        for tactic in matrix["tactics"]
        for t in [
            tactic,
            *tactic["techniques"],
            *[s for x in tactic["techniques"] for s in x["subtechniques"]],
        ]
    }
    assert counts == {cell.code: cell.count for cell in page.cells()}
    assert [t["code"] for t in matrix["tactics"]] == ["TA01", "TA06", "TA02"]
    assert "DISARM Foundation" in matrix["framework"]["attribution"]

    counters = client.get("/api/v1/matrix/counters/").json()
    groups = counter_use(CaseStudyFilterSet.for_reader(QueryDict(""), actor=member))
    assert [
        (c["code"], c["count"], c["effectiveness"]["highly_effective"])
        for g in counters["groups"]
        for c in g["counters"]
    ] == [(c.code, c.count, c.effectiveness[0].count) for g in groups for c in g.counters]

    worked = client.get("/api/v1/what-worked/disarm-red/T0086/").json()
    assert worked["subject"] == {
        "taxonomy": "disarm-red",
        "code": "T0086",
        "label": "Develop Image-Based Content",
    }
    readable_t0086 = [c for c in readable(member) if c.terms.filter(code="T0086").exists()]
    assert worked["count"] == len(readable_t0086) == 5
    by_counter = {(g["counter"] or {}).get("code"): g for g in worked["groups"]}
    assert by_counter["C00159"]["count"] == 3
    assert by_counter[None]["count"] == 2  # its own amber and Undated: no counter recorded
    assert by_counter["C00159"]["evidence"] == {
        "measured": 1,
        "observed": 1,
        "anecdotal": 1,
        "not_stated": 0,
    }
    visible = set(CaseStudy.objects.visible_to(member).values_list("uuid", flat=True))
    for group in worked["groups"]:
        for example in group["examples"]:
            assert example["url"].startswith("http://testserver/api/v1/cases/")
            assert CaseStudy.objects.get(uuid=example["uuid"]).uuid in visible


def test_the_api_answers_members_only_and_refuses_what_it_does_not_know(world, org):
    assert APIClient().get("/api/v1/matrix/").status_code == 401
    assert APIClient().get("/api/v1/what-worked/disarm-red/T0086/").status_code == 401
    client = bearer(org)
    assert client.get("/api/v1/what-worked/disarm-red/T9999/").status_code == 404
    assert client.get("/api/v1/what-worked/disarm-blue/C00159/").status_code == 404
    assert client.get("/api/v1/matrix/", {"tlp": "red"}).status_code == 400
    assert client.get("/api/v1/matrix/counters/", {"year": "1700"}).status_code == 400


def test_the_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path, operation_id in [
        ("/api/v1/matrix/", "matrix"),
        ("/api/v1/matrix/counters/", "matrix_counters"),
        ("/api/v1/what-worked/{taxonomy}/{code}/", "what_worked"),
    ]:
        operation = paths[path]["get"]
        assert operation["operationId"] == operation_id
        assert {p["name"] for p in operation["parameters"]} >= {"q", "tag", "tlp", "year"}
        assert "200" in operation["responses"] and "404" in operation["responses"]


# --- Query counts ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    from django.core.cache import cache

    cache.clear()  # a search's matches are cached: compare first requests
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


URLS = [
    "/matrix/",
    "/matrix/?q=elections&tag=country:JP",
    "/matrix/blue/?tag=disarm-red:T0086",
    "/matrix/navigator-layer.json?tlp=green",
    "/what-worked/disarm-red/T0086/",
    "/what-worked/theme/elections/?q=elections",
]
API_URLS = [
    "/api/v1/matrix/?tag=country:JP",
    "/api/v1/matrix/counters/",
    "/api/v1/what-worked/disarm-red/T0086/?year=2024",
]


def test_each_page_and_endpoint_makes_as_many_queries_whatever_the_number_of_cases(
    world, org, other_org, member
):
    client = Client()
    client.force_login(member)
    api = bearer(org)
    api.get("/api/v1/me/")  # the token's first use is recorded once
    before = {url: _queries(client, url) for url in URLS}
    before |= {url: _queries(api, url) for url in API_URLS}
    for n in range(25):
        make_case(
            f"More elections {n}",
            organisation=other_org if n % 2 else org,
            tlp="green" if n % 3 else "amber",
            evidence="observed",
            summary="More rumours about the elections.",
            tags=[
                "disarm-red:T0086",
                "disarm-red:T0074.001",
                f"disarm-blue:{['C00159', 'C00030', 'C00008'][n % 3]}",
                "country:JP",
                "theme:elections",
            ],
        )
    from practices.discovery.search import search_index_rebuild

    search_index_rebuild()
    after = {url: _queries(client, url) for url in URLS}
    after |= {url: _queries(api, url) for url in API_URLS}
    assert after == before
    assert before["/matrix/"] <= 10, before  # session, person, counts, vocabulary, chips …
