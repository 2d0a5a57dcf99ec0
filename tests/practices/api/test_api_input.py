"""API v1 input bounds: oversized and deeply nested JSON bodies, NUL characters, and ``limit``
— each answered with a 4xx problem document that says what to do, with nothing stored."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from practices.models import TLP_RED_REFUSAL, AuditEvent, CaseStudy, Taxonomy, Term
from practices.sync import feed
from tests.factories import CaseStudyFactory
from tests.practices.api.test_api_cases import assert_problem, bearer

CASES = "/api/v1/cases/"


@pytest.fixture
def writer(org) -> APIClient:
    return bearer(org, write=True)


def _post_json(client: APIClient, text: str):
    return client.generic("POST", CASES, text, content_type="application/json")


# --- Body size (item 8) -----------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_problem_and_nothing_is_stored(writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
    body = json.dumps({"title": "Too big", "summary": "a" * (10 * 1024 * 1024)})
    audited = AuditEvent.objects.count()  # issuing the token is audited

    problem = assert_problem(_post_json(writer, body), 413)

    assert "larger than 5 MB" in problem["detail"]
    assert not CaseStudy.objects.exists()
    assert AuditEvent.objects.count() == audited


def test_the_parser_refuses_a_body_longer_than_its_declared_length_allows(writer, settings):
    """Whatever reads the body first, the parser never takes in more than the limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    from portal.api import BoundedJSONParser, RequestTooLarge

    class Stream:
        def read(self, size=-1):
            return b'{"title": "' + b"a" * 5000 + b'"}'

    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(Stream(), parser_context={})


def test_a_body_under_the_limit_is_still_accepted(writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

    response = _post_json(writer, json.dumps({"title": "Small enough"}))

    assert response.status_code == 201, response.content


def test_pages_keep_answering_400_to_an_oversized_form(member, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(member)

    response = client.post("/cases/new/", {"title": "x" * 5000})

    assert response.status_code == 400


# --- Nesting depth (item 9) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        json.dumps(
            {
                "title": "Deep",
                "references": [
                    {"title": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
                ],
            }
        ),
    ],
    ids=["100000-brackets", "objects-5000-deep", "deep-inside-a-valid-body"],
)
def test_deeply_nested_json_is_a_400_problem_and_nothing_is_stored(writer, text):
    problem = assert_problem(_post_json(writer, text), 400)

    assert "nests more than" in problem["detail"]
    assert not CaseStudy.objects.exists()


def test_malformed_json_is_a_400_problem_that_says_so(writer):
    problem = assert_problem(_post_json(writer, '{"title": '), 400)

    assert "not valid JSON" in problem["detail"]


# --- NUL characters (item 10) -----------------------------------------------------------------


@pytest.fixture
def vocabulary(db) -> Taxonomy:
    return Taxonomy.objects.create(slug="country", name="Countries")


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/v1/taxonomies/%00/terms/", 404),
        ("/api/v1/taxonomies/country%00/", 404),
        ("/api/v1/cases/?tag=%00", 400),
        ("/api/v1/cases/?country=EE%00", 400),
        ("/api/v1/changes/?cursor=%00", 400),
        ("/api/v1/organisations/?cursor=a%00b", 400),
        ("/api/v1/taxonomies/country/terms/?%00=1", 400),
    ],
)
def test_nul_in_an_api_path_or_query_parameter_is_a_problem_not_a_500(org, vocabulary, url, status):
    problem = assert_problem(bearer(org).get(url), status)

    if status == 400:
        assert "NUL" in problem["detail"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "url, status",
    [("/api/v1/taxonomies/%00/terms/", 404), ("/api/v1/cases/?tag=%00", 400)],
)
def test_nul_never_reaches_postgresql_through_the_api(org, vocabulary, url, status):
    assert_problem(bearer(org).get(url), status)


# --- limit (item 13) --------------------------------------------------------------------------

LISTS = [
    ("/api/v1/cases/", 500),
    ("/api/v1/changes/", 500),
    ("/api/v1/organisations/", 500),
    ("/api/v1/taxonomies/", 500),
    ("/api/v1/taxonomies/country/terms/", 1000),
]


@pytest.mark.parametrize("url, maximum", LISTS)
@pytest.mark.parametrize(
    "limit", ["-1", "0", "abc", "100000", "1.5", "", "+5", "true", "٣", "9" * 5000]
)
def test_a_limit_outside_the_documented_range_is_a_400_that_gives_the_range(
    org, vocabulary, url, maximum, limit
):
    problem = assert_problem(bearer(org).get(url, {"limit": limit}), 400)

    assert problem["errors"]["limit"] == [f"Give a whole number from 1 to {maximum}."]


@pytest.mark.parametrize("url, maximum", LISTS)
def test_a_limit_inside_the_range_sizes_the_page(org, vocabulary, url, maximum):
    CaseStudyFactory.create_batch(2, organisation=org, status="draft")
    feed.backfill()  # factories skip the services; give the change feed its entries
    Taxonomy.objects.create(slug="region", name="Regions")
    Term.objects.create(taxonomy=vocabulary, code="EE", label="Estonia")
    Term.objects.create(taxonomy=vocabulary, code="JP", label="Japan")

    response = bearer(org).get(url, {"limit": "1"})

    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 1
    assert bearer(org).get(url, {"limit": str(maximum)}).status_code == 200


def test_the_schema_documents_the_limit_range_of_every_list(client):
    schema = client.get("/api/schema/?format=json").json()
    for url, maximum in LISTS:
        path = url.replace("/country/", "/{slug}/")
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["limit"]["schema"]["minimum"] == 1
        assert parameters["limit"]["schema"]["maximum"] == maximum


# --- The schema's types, taken strictly (item 14) ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "yesterday", "0"],
)
def test_updated_after_takes_only_an_rfc3339_date_time(org, value):
    problem = assert_problem(bearer(org).get(CASES, {"updated_after": value}), 400)

    assert "RFC 3339" in problem["errors"]["updated_after"][0]


@pytest.mark.parametrize(
    "value",
    ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5+09:00", "1576-11-16T01:50:50.4-23:59"],
)
def test_updated_after_accepts_date_times_with_any_offset(org, value):
    """PostgreSQL refuses offsets beyond ±15:59; RFC 3339 allows them."""
    assert bearer(org).get(CASES, {"updated_after": value}).status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_updated_after_outside_the_calendar_in_utc_is_a_400(org, value):
    assert_problem(bearer(org).get(CASES, {"updated_after": value}), 400)


@pytest.mark.parametrize("value", ["", "1", "maybe", "True"])
def test_active_takes_only_true_or_false(org, vocabulary, value):
    url = "/api/v1/taxonomies/country/terms/"

    problem = assert_problem(bearer(org).get(url, {"active": value}), 400)

    assert problem["errors"]["active"] == ["Give true or false."]


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("summary", 1.5, "Must be a string, as the schema says."),
        ("title", True, "Must be a string, as the schema says."),
        ("incident_start", 20240101, "Must be a date string (YYYY-MM-DD), as the schema says."),
        ("tlp", 1, "Must be a string, as the schema says."),
        ("keywords", "one,two", "Must be a list, as the schema says."),
    ],
)
def test_a_field_of_the_wrong_json_type_is_refused_not_converted(writer, field, value, expected):
    body = {"title": "Typed", field: value}

    problem = assert_problem(writer.post(CASES, body, format="json"), 400)

    assert problem["errors"][field] == [expected]
    assert not CaseStudy.objects.exists()


def test_a_reference_title_of_the_wrong_type_is_refused(writer):
    body = {"title": "Typed", "references": [{"url": "https://example.org/a", "title": 42}]}

    problem = assert_problem(writer.post(CASES, body, format="json"), 400)

    title_errors = problem["errors"]["references"]["0"]["title"]
    assert title_errors == ["Must be a string, as the schema says."]
    assert not CaseStudy.objects.exists()


def test_list_items_of_the_wrong_type_are_refused_by_position(writer):
    body = {"title": "Typed", "keywords": ["fine", 7]}

    problem = assert_problem(writer.post(CASES, body, format="json"), 400)

    assert problem["errors"]["keywords"] == {"1": ["Must be a string, as the schema says."]}


def test_a_version_sent_as_text_is_refused(org, writer):
    draft = CaseStudyFactory(organisation=org, status="draft")

    problem = assert_problem(
        writer.patch(f"{CASES}{draft.uuid}/", {"version": "1", "title": "x"}, format="json"), 400
    )

    assert problem["errors"]["version"] == ["Must be a whole number, as the schema says."]


def test_a_patch_without_a_body_asks_for_the_version(org, writer):
    draft = CaseStudyFactory(organisation=org, status="draft")

    problem = assert_problem(writer.patch(f"{CASES}{draft.uuid}/"), 400)

    assert problem["errors"]["version"] == ["This field is required."]


def test_tlp_red_is_not_offered_for_writing_and_is_refused_with_the_reason(client, writer, db):
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]

    assert "red" not in schema["WritableTlpEnum"]["enum"]
    problem = assert_problem(writer.post(CASES, {"title": "x", "tlp": "red"}, format="json"), 400)
    assert problem["errors"]["tlp"] == [str(TLP_RED_REFUSAL)]


def test_the_schema_says_what_the_api_checks(client, db):
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    patch = schema["paths"]["/api/v1/cases/{uuid}/"]["patch"]

    assert "version" in components["PatchedCaseStudyUpdateRequest"]["required"]
    assert patch["requestBody"]["required"] is True
    assert components["ReferenceRequest"]["properties"]["url"]["pattern"].startswith("^[Hh]")
    assert components["CaseStudyWriteRequest"]["properties"]["summary"]["pattern"] == (
        r"^[^\x00]*$"
    )
    for path in schema["paths"].values():
        for operation in path.values():
            for status in ("400", "401", "404", "406", "429"):
                content = operation["responses"][status]["content"]
                assert content == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }


@pytest.mark.parametrize("value", [" ", "\t\n", "\x1f"])
def test_text_that_may_not_be_blank_is_documented_as_needing_a_visible_character(
    writer, client, value
):
    import re

    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    pattern = schema["CaseStudyWriteRequest"]["properties"]["keywords"]["items"]["pattern"]

    assert not re.search(pattern, value)
    assert_problem(writer.post(CASES, {"title": "x", "keywords": [value]}, format="json"), 400)


@pytest.mark.parametrize("text", ['{"title": "\\udc00"}', '{"title": "x", "\\ud800": 1}'])
def test_a_lone_surrogate_in_json_is_a_400_problem_and_nothing_is_stored(writer, text):
    problem = assert_problem(_post_json(writer, text), 400)

    assert "lone surrogate" in problem["detail"]
    assert not CaseStudy.objects.exists()
