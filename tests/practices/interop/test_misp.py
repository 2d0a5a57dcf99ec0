"""MISP: a case as an event (``/api/v1/cases/<uuid>/misp/``) and the MISP feed."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tests.practices.interop.conftest import bearer, make_case, token_for, touch


def event(client: Client, case) -> dict:
    response = client.get(f"/api/v1/cases/{case.uuid}/misp/")
    assert response.status_code == 200, response.content
    return response.json()["Event"]


def tag_names(body: dict) -> list[str]:
    return [tag["name"] for tag in body["Tag"]]


def test_a_case_is_an_event_with_tlp_and_disarm_galaxy_tags(world, reader_org):
    body = event(bearer(reader_org), world["green"])
    assert body["uuid"] == str(world["green"].uuid)
    assert body["info"] == "Named green"
    assert body["Orgc"]["name"] == "Japanese Authoring Office"
    tags = tag_names(body)
    assert tags[0] == "tlp:green"
    assert 'misp-galaxy:disarm-techniques="Develop Image-Based Content"' in tags
    assert 'misp-galaxy:disarm-techniques="Develop AI-Generated Images"' in tags
    assert 'misp-galaxy:disarm-countermeasures="Have a disinformation response plan"' in tags
    assert not any("Develop Content" in tag for tag in tags)  # a tactic has no cluster
    assert 'cdpe:country="EE"' in tags
    links = [a["value"] for a in body["Attribute"] if a["type"] == "link"]
    assert "https://example.org/report" in links
    texts = {a["comment"]: a["value"] for a in body["Attribute"] if a["type"] == "text"}
    assert texts["Summary"] == "A fictional incident for tests."
    assert texts["Response: what was done"] == "Fact-checks within the hour."


def test_the_event_is_the_same_for_an_unchanged_case(world, reader_org):
    client = bearer(reader_org)
    url = f"/api/v1/cases/{world['green'].uuid}/misp/"
    assert client.get(url).content == client.get(url).content


def test_amber_strict_is_tagged_as_such_for_its_recipient(world, strict_org, reader_org):
    assert tag_names(event(bearer(strict_org), world["strict"]))[0] == "tlp:amber+strict"
    url = f"/api/v1/cases/{world['strict'].uuid}/misp/"
    assert bearer(reader_org).get(url).status_code == 404


def test_an_anonymised_event_names_only_a_partner_organisation(world, reader_org, author_org):
    body = event(bearer(reader_org), world["anonymised"])
    assert body["Orgc"]["name"] == "A partner organisation (Indo-Pacific)"
    assert "Japanese Authoring Office" not in json.dumps(body)
    own = event(bearer(author_org), world["anonymised"])
    assert own["Orgc"]["name"] == "Japanese Authoring Office"
    assert own["Orgc"]["uuid"] != body["Orgc"]["uuid"]


# --- The feed -----------------------------------------------------------------------------------


def feed_client(organisation, *, basic: bool = False) -> Client:
    token = token_for(organisation)
    if basic:
        return Client(
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"misp:{token}".encode()).decode()
        )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize(
    ("org_fixture", "titles"),
    [
        ("author_org", {"Named green", "Anonymised green", "Amber for recipients"}),
        ("reader_org", {"Named green", "Anonymised green"}),
        ("recipient_org", {"Named green", "Anonymised green", "Amber for recipients"}),
        ("strict_org", {"Named green", "Anonymised green", "Amber for recipients"}),
    ],
)
def test_the_manifest_lists_the_served_cases(request, world, org_fixture, titles):
    response = feed_client(request.getfixturevalue(org_fixture)).get("/feeds/misp/manifest.json")
    assert response.status_code == 200
    manifest = response.json()
    assert {entry["info"] for entry in manifest.values()} == titles
    assert "Amber strict" not in response.content.decode()


def test_each_event_of_the_manifest_can_be_fetched_and_others_are_404(world, reader_org):
    client = feed_client(reader_org, basic=True)
    manifest = client.get("/feeds/misp/manifest.json").json()
    for event_uuid, entry in manifest.items():
        body = client.get(f"/feeds/misp/{event_uuid}.json").json()["Event"]
        assert body["info"] == entry["info"]
        assert body["timestamp"] == entry["timestamp"]
    for name in ("amber", "strict", "draft"):
        response = client.get(f"/feeds/misp/{world[name].uuid}.json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_the_anonymised_case_in_the_manifest_hides_its_originator(world, reader_org):
    body = feed_client(reader_org).get("/feeds/misp/manifest.json").content.decode()
    assert "A partner organisation (Indo-Pacific)" in body
    assert body.count("Japanese Authoring Office") == 1  # the named case only


def test_the_feed_refuses_missing_and_bad_tokens(world):
    assert Client().get("/feeds/misp/manifest.json").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer cdpe_nope_nope")
    assert bad.get("/feeds/misp/manifest.json").status_code == 401
    assert bad.get(f"/feeds/misp/{world['green'].uuid}.json").status_code == 401


def test_a_changed_case_has_a_newer_timestamp_in_the_manifest(world, reader_org):
    client = feed_client(reader_org)
    uuid = str(world["green"].uuid)
    before = client.get("/feeds/misp/manifest.json").json()[uuid]["timestamp"]
    touch(world["green"], title="Named green, revised")
    after = client.get("/feeds/misp/manifest.json").json()[uuid]
    assert int(after["timestamp"]) >= int(before)
    assert after["info"] == "Named green, revised"


def test_the_manifest_makes_a_constant_number_of_queries(
    world, vocabulary, author_org, reader_org, django_assert_max_num_queries
):
    client = feed_client(reader_org)
    client.get("/feeds/misp/manifest.json")
    with django_assert_max_num_queries(8) as few:
        client.get("/feeds/misp/manifest.json")
    for _ in range(5):
        make_case(organisation=author_org, tlp="green", terms=[vocabulary["C00159"]])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/feeds/misp/manifest.json").json()) == 7
