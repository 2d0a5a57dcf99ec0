"""STIX 2.1 export of a case and of a search: what each reader gets, markings, determinism."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from practices.interop import stix
from tests.factories import UserFactory
from tests.practices.interop.conftest import bearer, make_case, touch

TLP_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber_strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
}


def case_bundle(client: Client, case) -> dict:
    response = client.get(f"/api/v1/cases/{case.uuid}/stix/")
    assert response.status_code == 200, response.content
    return response.json()


def by_type(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for obj in bundle["objects"]:
        out.setdefault(obj["type"], []).append(obj)
    return out


def test_a_case_bundle_has_every_part_marked_with_the_cases_tlp(world, reader_org):
    bundle = case_bundle(bearer(reader_org), world["green"])
    objects = by_type(bundle)
    assert bundle["type"] == "bundle"
    [report] = objects["report"]
    assert report["name"] == "Named green"
    assert report["description"] == "A fictional incident for tests."
    assert set(report["object_refs"]) == {
        o["id"] for o in bundle["objects"] if o["type"] not in ("report", "marking-definition")
    }
    # The tactic is a phase, not an attack-pattern; the technique and sub-technique are.
    assert sorted(o["name"] for o in objects["attack-pattern"]) == [
        "T0086 Develop Image-Based Content",
        "T0086.002 Develop AI-Generated Images",
    ]
    [counter] = objects["course-of-action"]
    assert counter["external_references"] == [
        {
            "source_name": "DISARM",
            "external_id": "C00159",
            "url": "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/"
            "generated_pages/counters/C00159.md",
        }
    ]
    assert {(r["relationship_type"], r["source_ref"]) for r in objects["relationship"]} == {
        ("mitigates", counter["id"])
    }
    assert len(objects["relationship"]) == 2
    assert objects["location"][0]["country"] == "EE"
    assert objects["threat-actor"][0]["name"] == "Storm Example"
    assert {n["x_cdpe_section"] for n in objects["note"]} == {"incident", "response", "lessons"}
    [identity] = objects["identity"]
    assert identity["name"] == "Japanese Authoring Office"
    assert any(r.get("url") == "https://example.org/report" for r in report["external_references"])
    assert report["labels"] == ["theme:elections"]
    for obj in bundle["objects"]:
        if obj["type"] == "marking-definition":
            continue
        assert obj["spec_version"] == "2.1"
        assert obj["object_marking_refs"][0] == TLP_IDS["green"]
        if obj["type"] != "identity":
            assert obj["created_by_ref"] == identity["id"]
        assert all(k.startswith("x_cdpe_") for k in obj if k.startswith("x_"))
    # DISARM's objects carry its attribution as a statement marking.
    assert stix.DISARM_MARKING in counter["object_marking_refs"]


def test_the_markings_are_the_official_tlp_2_definitions(world, reader_org):
    markings = by_type(case_bundle(bearer(reader_org), world["green"]))["marking-definition"]
    tlp = [m for m in markings if "extensions" in m]
    assert tlp == [
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:GREEN",
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                    "extension_type": "property-extension",
                    "tlp_2_0": "green",
                }
            },
        }
    ]
    [statement] = [m for m in markings if m.get("definition_type") == "statement"]
    assert "CC BY-SA 4.0" in statement["definition"]["statement"]


def test_ids_are_uuid5_of_the_case_and_a_reexport_is_identical(world, reader_org):
    client = bearer(reader_org)
    case = world["green"]
    first = client.get(f"/api/v1/cases/{case.uuid}/stix/").content
    assert client.get(f"/api/v1/cases/{case.uuid}/stix/").content == first
    report_id = f"report--{uuid.uuid5(stix.NAMESPACE, f'{case.uuid}/report')}"
    assert report_id in {o["id"] for o in json.loads(first)["objects"]}


def test_a_change_moves_modified_but_keeps_the_ids(world, reader_org):
    client = bearer(reader_org)
    case = world["green"]
    before = case_bundle(client, case)
    touch(case, summary="Changed.")
    after = case_bundle(client, case)
    ids = lambda bundle: [o["id"] for o in bundle["objects"]]  # noqa: E731
    assert ids(before) == ids(after)
    [old] = by_type(before)["report"]
    [new] = by_type(after)["report"]
    assert new["modified"] >= old["modified"]
    assert new["x_cdpe_version"] == old["x_cdpe_version"] + 1
    assert before["id"] != after["id"]


def test_an_anonymised_case_names_only_a_partner_organisation_to_others(world, reader_org):
    bundle = case_bundle(bearer(reader_org), world["anonymised"])
    [identity] = by_type(bundle)["identity"]
    assert identity["name"] == "A partner organisation (Indo-Pacific)"
    text = json.dumps(bundle)
    assert "Japanese Authoring Office" not in text
    assert "JP AO" not in text
    assert "x_cdpe_country" not in identity


def test_the_originator_sees_its_own_name_under_another_id(world, author_org, reader_org):
    own = by_type(case_bundle(bearer(author_org), world["anonymised"]))["identity"][0]
    other = by_type(case_bundle(bearer(reader_org), world["anonymised"]))["identity"][0]
    assert own["name"] == "Japanese Authoring Office"
    assert own["id"] != other["id"]


def test_anonymised_identities_of_two_cases_cannot_be_linked(vocabulary, author_org, reader_org):
    one = make_case(organisation=author_org, attribution_mode="anonymised")
    two = make_case(organisation=author_org, attribution_mode="anonymised")
    client = bearer(reader_org)
    first = by_type(case_bundle(client, one))["identity"][0]["id"]
    second = by_type(case_bundle(client, two))["identity"][0]["id"]
    assert first != second


@pytest.mark.parametrize(
    ("org_fixture", "readable"),
    [
        ("author_org", {"green", "anonymised", "amber", "strict", "draft"}),
        ("reader_org", {"green", "anonymised"}),
        ("recipient_org", {"green", "anonymised", "amber"}),
        ("strict_org", {"green", "anonymised", "amber", "strict"}),
    ],
)
def test_each_token_exports_exactly_the_cases_it_may_read(request, world, org_fixture, readable):
    client = bearer(request.getfixturevalue(org_fixture))
    for name, case in world.items():
        response = client.get(f"/api/v1/cases/{case.uuid}/stix/")
        assert response.status_code == (200 if name in readable else 404), name


def test_strict_case_exported_to_its_recipient_is_marked_amber_strict(world, strict_org):
    bundle = case_bundle(bearer(strict_org), world["strict"])
    assert TLP_IDS["amber_strict"] in {o["id"] for o in bundle["objects"]}
    for obj in bundle["objects"]:
        if obj["type"] != "marking-definition":
            assert obj["object_marking_refs"] == [TLP_IDS["amber_strict"]]


def test_without_a_token_the_export_is_refused_and_a_member_reads_as_their_org(world, reader_org):
    assert Client().get(f"/api/v1/cases/{world['green'].uuid}/stix/").status_code in (401, 403)
    person = Client()
    person.force_login(UserFactory(organisation=reader_org))
    assert person.get(f"/api/v1/cases/{world['green'].uuid}/stix/").status_code == 200
    assert person.get(f"/api/v1/cases/{world['amber'].uuid}/stix/").status_code == 404


def test_a_search_bundle_holds_the_matching_readable_cases(world, reader_org, recipient_org):
    bundle = bearer(reader_org).get("/api/v1/cases/stix/").json()
    names = {o["name"] for o in bundle["objects"] if o["type"] == "report"}
    assert names == {"Named green", "Anonymised green"}
    assert "Japanese Authoring Office" in json.dumps(bundle)  # the named case's identity
    filtered = bearer(recipient_org).get("/api/v1/cases/stix/", {"tag": "disarm-blue:C00159"})
    names = {o["name"] for o in filtered.json()["objects"] if o["type"] == "report"}
    assert names == {"Named green", "Amber for recipients"}


def test_a_search_bundle_is_deterministic_and_bounded(world, reader_org):
    client = bearer(reader_org)
    assert client.get("/api/v1/cases/stix/").content == client.get("/api/v1/cases/stix/").content
    one = client.get("/api/v1/cases/stix/", {"limit": 1}).json()
    assert len([o for o in one["objects"] if o["type"] == "report"]) == 1
    assert client.get("/api/v1/cases/stix/", {"limit": 0}).status_code == 400


def test_a_search_bundle_makes_a_constant_number_of_queries(
    vocabulary, author_org, reader_org, django_assert_max_num_queries
):
    client = bearer(reader_org)
    for _ in range(3):
        make_case(organisation=author_org, terms=[vocabulary["T0086"], vocabulary["C00159"]])
    client.get("/api/v1/cases/stix/")  # the token's last-used time is written once
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/cases/stix/")
    for _ in range(5):
        make_case(organisation=author_org, terms=[vocabulary["EE"]])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/cases/stix/")
    assert len([o for o in response.json()["objects"] if o["type"] == "report"]) == 8


def test_the_case_page_offers_the_exports_to_signed_in_readers(world, reader_org, settings):
    page = reverse("practices:case-detail", args=[world["green"].uuid])
    person = Client()
    person.force_login(UserFactory(organisation=reader_org))
    content = person.get(page).content.decode()
    assert f'href="/api/v1/cases/{world["green"].uuid}/stix/"' in content
    assert f'href="/api/v1/cases/{world["green"].uuid}/misp/"' in content
    settings.PUBLIC_VIEW_ENABLED = True
    clear = make_case(organisation=world["green"].organisation, tlp="clear")
    visitor = Client().get(reverse("practices:case-detail", args=[clear.uuid]))
    assert visitor.status_code == 200
    assert "/stix/" not in visitor.content.decode()
