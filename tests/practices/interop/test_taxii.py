"""The TAXII 2.1 server: protocol (media types, errors, paging), authentication, what each
token reads, and polling with added_after in the change feed's order."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from practices.interop import taxii
from tests.practices.interop.conftest import make_case, token_for, touch

TAXII = "application/taxii+json;version=2.1"
CASES = f"/taxii2/api/collections/{taxii.COLLECTION_IDS['cases']}/"
DISARM = f"/taxii2/api/collections/{taxii.COLLECTION_IDS['disarm']}/"


def taxii_client(organisation, *, basic: bool = False) -> Client:
    token = token_for(organisation)
    if basic:
        credentials = base64.b64encode(f"mirror:{token}".encode()).decode()
        return Client(HTTP_AUTHORIZATION=f"Basic {credentials}", HTTP_ACCEPT=TAXII)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT=TAXII)


def get(client: Client, path: str, params=None, status: int = 200):
    response = client.get(path, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == TAXII
    return response


def read_all(client: Client, path: str = CASES + "objects/", **params) -> list[dict]:
    """Every object, following next until more is false."""
    objects, params = [], dict(params)
    for _page in range(1000):  # a server whose next never ends would fail here, not hang
        body = get(client, path, params).json()
        objects += body.get("objects", [])
        if not body["more"]:
            assert "next" not in body
            return objects
        params["next"] = body["next"]
    raise AssertionError("more than 1000 pages")


def report_titles(objects: list[dict]) -> set[str]:
    return {o["name"] for o in objects if o["type"] == "report"}


# --- Discovery, API root, collections -------------------------------------------------------


def test_discovery_names_the_api_root(reader_org):
    body = get(taxii_client(reader_org), "/taxii2/").json()
    assert body["default"] == "http://testserver/taxii2/api/"
    assert body["api_roots"] == ["http://testserver/taxii2/api/"]
    root = get(taxii_client(reader_org), "/taxii2/api/").json()
    assert root["versions"] == [TAXII]


def test_collections_are_cases_and_disarm_read_only(reader_org):
    body = get(taxii_client(reader_org), "/taxii2/api/collections/").json()
    assert [(c["alias"], c["can_read"], c["can_write"]) for c in body["collections"]] == [
        ("cases", True, False),
        ("disarm", True, False),
    ]
    one = get(taxii_client(reader_org), CASES).json()
    assert one["id"] == taxii.COLLECTION_IDS["cases"]
    get(taxii_client(reader_org), "/taxii2/api/collections/nope/", status=404)


# --- Protocol: media types, errors, authentication ------------------------------------------


def test_a_client_that_does_not_accept_taxii_gets_406_in_the_taxii_error_shape(reader_org):
    client = taxii_client(reader_org)
    response = client.get("/taxii2/", HTTP_ACCEPT="application/json")
    assert response.status_code == 406
    assert response["Content-Type"] == TAXII
    assert response.json()["http_status"] == "406"
    assert set(response.json()) <= {"title", "description", "http_status"}
    assert client.get("/taxii2/", HTTP_ACCEPT="application/taxii+json").status_code == 200
    bad_version = "application/taxii+json;version=2.0"
    assert client.get("/taxii2/", HTTP_ACCEPT=bad_version).status_code == 406


def test_a_body_of_another_type_gets_415_and_a_taxii_one_403_read_only(reader_org):
    client = taxii_client(reader_org)
    response = client.post(CASES + "objects/", "{}", content_type="application/json")
    assert response.status_code == 415
    assert response.json()["http_status"] == "415"
    response = client.post(CASES + "objects/", "{}", content_type=TAXII)
    assert response.status_code == 403
    assert client.delete(CASES + "objects/").status_code == 405


def test_authentication_bearer_and_basic_and_refusals(world, reader_org):
    assert get(taxii_client(reader_org, basic=True), CASES).status_code == 200
    anonymous = Client(HTTP_ACCEPT=TAXII)
    response = anonymous.get(CASES + "objects/")
    assert response.status_code == 401
    assert "Basic" in response["WWW-Authenticate"]
    assert response.json()["http_status"] == "401"
    for header in ("Bearer cdpe_nope_nope", "Basic " + base64.b64encode(b"x:wrong").decode()):
        bad = Client(HTTP_AUTHORIZATION=header, HTTP_ACCEPT=TAXII)
        assert bad.get(CASES + "objects/").status_code == 401


def test_bad_parameters_are_400_in_the_taxii_shape(world, reader_org):
    client = taxii_client(reader_org)
    for params in ({"limit": "0"}, {"limit": "x"}, {"added_after": "yesterday"}, {"next": "!!"}):
        body = get(client, CASES + "objects/", params, status=400).json()
        assert body["http_status"] == "400"


# --- What each token reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_fixture", "titles"),
    [
        # The draft is not published; AMBER+STRICT is never served here, even to its recipient.
        ("author_org", {"Named green", "Anonymised green", "Amber for recipients"}),
        ("reader_org", {"Named green", "Anonymised green"}),
        ("recipient_org", {"Named green", "Anonymised green", "Amber for recipients"}),
        ("strict_org", {"Named green", "Anonymised green", "Amber for recipients"}),
    ],
)
def test_each_token_reads_its_cases_without_amber_strict(request, world, org_fixture, titles):
    objects = read_all(taxii_client(request.getfixturevalue(org_fixture)))
    assert report_titles(objects) == titles
    text = json.dumps(objects)
    assert "Amber strict" not in text
    assert "A draft" not in text


def test_anonymised_cases_keep_their_originator_hidden(world, reader_org):
    objects = read_all(taxii_client(reader_org))
    names = {o["name"] for o in objects if o["type"] == "identity"}
    assert names == {"Japanese Authoring Office", "A partner organisation (Indo-Pacific)"}


def test_markings_come_first_and_every_object_is_marked(world, reader_org):
    objects = read_all(taxii_client(reader_org))
    assert [o["type"] for o in objects[:5]] == ["marking-definition"] * 5
    assert all(o["object_marking_refs"] for o in objects[5:])


# --- Paging ---------------------------------------------------------------------------------


def test_paging_by_small_limits_reads_the_same_objects_once(world, recipient_org):
    client = taxii_client(recipient_org)
    everything = read_all(client, limit=1000)
    body = get(client, CASES + "objects/", {"limit": 3}).json()
    assert body["more"] is True and body["next"]
    assert len(body["objects"]) == 3
    paged = read_all(client, limit=3)
    assert [o["id"] for o in paged] == [o["id"] for o in everything]
    assert len({o["id"] for o in paged}) == len(paged)


def test_the_last_page_says_no_more_and_has_no_next(world, reader_org):
    body = get(taxii_client(reader_org), CASES + "objects/", {"limit": 1000}).json()
    assert body["more"] is False
    assert "next" not in body


def test_date_added_headers_name_the_first_and_last_objects(world, reader_org):
    client = taxii_client(reader_org)
    response = get(client, CASES + "manifest/", {"limit": 1000})
    records = response.json()["objects"]
    assert response["X-TAXII-Date-Added-First"] == records[0]["date_added"]
    assert response["X-TAXII-Date-Added-Last"] == records[-1]["date_added"]
    dates = [r["date_added"] for r in records]
    assert dates == sorted(dates)
    assert {r["media_type"] for r in records} == {"application/stix+json;version=2.1"}


# --- Polling with added_after -----------------------------------------------------------------


def test_added_after_the_last_date_added_reads_exactly_what_changed(world, vocabulary, reader_org):
    client = taxii_client(reader_org)
    first = get(client, CASES + "objects/", {"limit": 1000})
    last = first["X-TAXII-Date-Added-Last"]
    assert get(client, CASES + "objects/", {"added_after": last}).json() == {"more": False}

    touch(world["green"], summary="Updated after the first poll.")
    new = make_case(organisation=world["green"].organisation, title="New green", tlp="green")
    touch(world["amber"], summary="Not readable by this token.")
    objects = read_all(client, added_after=last)
    assert report_titles(objects) == {"Named green", "New green"}
    reports = [o for o in objects if o["type"] == "report"]
    assert [r["name"] for r in reports] == ["Named green", "New green"]  # the feed's order
    assert new.uuid


def test_losing_visibility_removes_the_case(world, vocabulary, recipient_org):
    client = taxii_client(recipient_org)
    assert "Amber for recipients" in report_titles(read_all(client))
    world["amber"].recipients.remove(recipient_org)
    touch(world["amber"])
    assert "Amber for recipients" not in report_titles(read_all(client))


# --- Filters ---------------------------------------------------------------------------------


def test_match_type_and_id(world, reader_org):
    client = taxii_client(reader_org)
    reports = read_all(client, **{"match[type]": "report"})
    assert {o["type"] for o in reports} == {"report"}
    assert len(reports) == 2
    wanted = reports[0]["id"]
    assert [o["id"] for o in read_all(client, **{"match[id]": wanted})] == [wanted]
    both = read_all(client, **{"match[type]": "report,location"})
    assert {o["type"] for o in both} == {"report", "location"}


def test_match_version_and_spec_version(world, reader_org):
    client = taxii_client(reader_org)
    [report, *_] = read_all(client, **{"match[type]": "report"})
    for version in ("last", "first", "all", report["modified"]):
        found = read_all(client, **{"match[type]": "report", "match[version]": version})
        assert report["id"] in {o["id"] for o in found}, version
    found = read_all(client, **{"match[type]": "report", "match[version]": "2001-01-01T00:00:00Z"})
    assert found == []
    assert read_all(client, **{"match[spec_version]": "2.0"}) == []
    assert read_all(client, **{"match[spec_version]": "2.1"})


def test_one_object_and_its_versions(world, reader_org, author_org):
    client = taxii_client(reader_org)
    [report, *_] = read_all(client, **{"match[type]": "report"})
    body = get(client, CASES + f"objects/{report['id']}/").json()
    assert body["objects"] == [report]
    versions = get(client, CASES + f"objects/{report['id']}/versions/").json()
    assert versions == {"more": False, "versions": [report["modified"]]}


def test_an_object_of_an_unreadable_case_is_404_like_one_that_does_not_exist(world, reader_org):
    owner = taxii_client(world["amber"].organisation)
    [amber_report] = [
        o
        for o in read_all(owner, **{"match[type]": "report"})
        if o["name"] == "Amber for recipients"
    ]
    client = taxii_client(reader_org)
    unreadable = get(client, CASES + f"objects/{amber_report['id']}/", status=404).json()
    missing = get(
        client, CASES + "objects/report--00000000-0000-4000-8000-000000000000/", status=404
    )
    assert unreadable == missing.json()
    get(client, CASES + f"objects/{amber_report['id']}/versions/", status=404)


# --- The DISARM collection --------------------------------------------------------------------


def test_disarm_collection_serves_the_framework(vocabulary, reader_org):
    objects = read_all(taxii_client(reader_org), DISARM + "objects/", limit=2)
    kinds = [o["type"] for o in objects]
    assert kinds.count("attack-pattern") == 2  # the technique and sub-technique, not the tactic
    assert kinds.count("course-of-action") == 1
    [technique] = [o for o in objects if o["name"].startswith("T0086 ")]
    assert technique["kill_chain_phases"] == [
        {"kill_chain_name": "disarm", "phase_name": "develop-content"}
    ]


# --- Query counts -------------------------------------------------------------------------------


def test_an_objects_page_makes_a_constant_number_of_queries(
    world, vocabulary, author_org, reader_org, django_assert_max_num_queries
):
    client = taxii_client(reader_org)
    get(client, CASES + "objects/")  # the token's last-used time is written once
    with django_assert_max_num_queries(8) as few:
        get(client, CASES + "objects/")
    for _ in range(6):
        make_case(organisation=author_org, tlp="green", terms=[vocabulary["T0086"]])
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, CASES + "objects/")


def test_every_page_size_reads_every_object_once_in_the_same_order(world, recipient_org):
    # Pages that end exactly at the end of a case, or inside one, continue where they stopped.
    client = taxii_client(recipient_org)
    everything = [o["id"] for o in read_all(client, limit=1000)]
    for limit in range(1, 14):
        assert [o["id"] for o in read_all(client, limit=limit)] == everything, limit
    reports = [o["id"] for o in read_all(client, **{"match[type]": "report"})]
    for limit in (1, 2):
        paged = read_all(client, limit=limit, **{"match[type]": "report"})
        assert [o["id"] for o in paged] == reports
