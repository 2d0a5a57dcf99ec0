"""API text input: limits with a clear message and nothing stored, line endings normalised,
and the limits stated in the OpenAPI schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from practices.cases.text import CASE_TEXT_LIMITS
from practices.models import CaseStudy
from tests.practices.api.test_api_cases import CASES, assert_problem, bearer, detail_url, row_counts


@pytest.fixture
def writer(org) -> APIClient:
    return bearer(org, write=True)


def test_a_million_character_field_is_refused_with_the_limit_and_nothing_is_stored(writer):
    before = row_counts()

    response = writer.post(
        CASES, {"title": "Huge", "incident": "x" * 1_000_000, "summary": "s" * 2_001}, format="json"
    )

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"incident", "summary"}
    assert "at most 50,000 characters" in str(body["errors"]["incident"])
    assert "at most 2,000 characters" in str(body["errors"]["summary"])
    assert row_counts() == before


def test_text_sent_with_crlf_is_stored_and_returned_with_lf(writer):
    response = writer.post(
        CASES,
        {"title": "Lines", "summary": "One.\r\nTwo.", "lessons": "A.\r\n\r\nB.\rC."},
        format="json",
    )

    assert response.status_code == 201, response.content
    case = CaseStudy.objects.get(uuid=response.json()["uuid"])
    assert (case.summary, case.lessons) == ("One.\nTwo.", "A.\n\nB.\nC.")
    assert response.json()["summary"] == "One.\nTwo."

    patched = writer.patch(
        detail_url(case), {"version": case.version, "outcome": "X\r\nY"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    case.refresh_from_db()
    assert case.outcome == "X\nY"


def test_the_limit_counts_characters_as_sent_like_the_schema(writer):
    """JSON Schema's maxLength counts "\r\n" as two characters; so does the API (the pages,
    where a browser's textarea counts a line break once, count it once)."""
    over = "x\r\n" * 999 + "xx"  # 3 000 characters sent, 2 000 once normalised
    refused = writer.post(CASES, {"title": "Too long as sent", "summary": over}, format="json")
    assert refused.status_code == 400
    assert "summary" in refused.json()["errors"]

    fits = "x\r\n" * 666 + "xx"  # 2 000 characters sent
    response = writer.post(CASES, {"title": "Fits", "summary": fits}, format="json")
    assert response.status_code == 201, response.content
    assert "\r" not in response.json()["summary"]


def test_the_schema_states_every_text_limit(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    write = schema["components"]["schemas"]["CaseStudyWriteRequest"]["properties"]

    for field, limit in CASE_TEXT_LIMITS.items():
        assert write[field]["maxLength"] == limit, field
