"""Every demo case exports to STIX that keeps the rules of STIX 2.1 that matter to importers
(checked here by hand, property by property; the OASIS validator and libraries check the same
bundles in test_outside_checks.py), and to MISP events; and each demo organisation's TAXII and
feed reads agree with what it may read."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.authentication import OrganisationActor
from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.interop import disarm, selectors
from tests.practices.interop.conftest import token_for
from tests.practices.interop.test_taxii import CASES, TAXII, read_all

pytestmark = pytest.mark.django_db

ID = re.compile(
    r"^([a-z][a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
CUSTOM = re.compile(r"^x_[a-z0-9_]{1,247}$")
COMMON = {
    "type", "spec_version", "id", "created_by_ref", "created", "modified", "object_marking_refs",
    "external_references", "labels", "lang", "extensions", "name", "description",
}  # fmt: skip
ALLOWED = {
    "report": {"report_types", "published", "object_refs"},
    "identity": {"identity_class"},
    "attack-pattern": {"kill_chain_phases"},
    "course-of-action": set(),
    "relationship": {"relationship_type", "source_ref", "target_ref"},
    "location": {"country"},
    "threat-actor": set(),
    "note": {"abstract", "content", "object_refs"},
    "marking-definition": {"definition_type", "definition"},
}
REQUIRED = {
    "report": {"name", "published", "object_refs"},
    "identity": {"name"},
    "attack-pattern": {"name"},
    "course-of-action": {"name"},
    "relationship": {"relationship_type", "source_ref", "target_ref"},
    "location": {"country"},
    "threat-actor": {"name"},
    "note": {"content", "object_refs"},
    "marking-definition": set(),
}


def stix_problems(objects: list[dict], known_refs: set[str] = frozenset()) -> list[str]:
    """What breaks STIX 2.1 in these objects (a bundle's): ids, timestamps, properties, refs."""
    problems = []
    ids = {obj["id"] for obj in objects} | set(known_refs)
    if len(ids) < len(objects):
        problems.append("duplicate ids")
    for obj in objects:
        kind, oid = obj.get("type"), obj.get("id", "")
        match = ID.match(oid)
        if not match or match.group(1) != kind:
            problems.append(f"bad id {oid}")
        if obj.get("spec_version") != "2.1":
            problems.append(f"{oid}: spec_version")
        for name in ("created", "modified", "published"):
            if name in obj and not TIMESTAMP.match(obj[name]):
                problems.append(f"{oid}: {name} {obj[name]}")
        if "modified" in obj and obj["modified"] < obj["created"]:
            problems.append(f"{oid}: modified before created")
        for name in obj:
            if name not in COMMON | ALLOWED[kind] and not CUSTOM.match(name):
                problems.append(f"{oid}: property {name}")
        for name in REQUIRED[kind]:
            if obj.get(name) in (None, "", []):
                problems.append(f"{oid}: missing {name}")
        refs = [obj.get("created_by_ref"), obj.get("source_ref"), obj.get("target_ref")]
        refs += obj.get("object_refs", []) + obj.get("object_marking_refs", [])
        problems += [f"{oid}: dangling {ref}" for ref in refs if ref and ref not in ids]
        for reference in obj.get("external_references", []):
            if not reference.get("source_name"):
                problems.append(f"{oid}: external reference without source_name")
    return problems


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=StringIO())


def test_every_demo_case_exports_to_valid_stix_and_a_misp_event(seeded):
    exported = 0
    for organisation in Organisation.objects.filter(is_demo=True):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}")
        readable = CaseStudy.objects.for_reader(_actor(organisation))
        for case in readable:
            bundle = client.get(f"/api/v1/cases/{case.uuid}/stix/").json()
            assert stix_problems(bundle["objects"]) == [], case.title
            event = client.get(f"/api/v1/cases/{case.uuid}/misp/").json()["Event"]
            assert event["info"] == case.title
            assert event["Tag"][0]["name"].startswith("tlp:")
            if not case.originator_visible:
                assert case.organisation.name not in str(bundle) + str(event)
            exported += 1
    assert exported > 20


def test_each_demo_organisation_reads_over_taxii_what_it_may_read(seeded):
    markings = {m["id"] for m in disarm.markings()}
    for organisation in Organisation.objects.filter(is_demo=True):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}", HTTP_ACCEPT=TAXII)
        objects = read_all(client, CASES + "objects/", limit=37)
        assert stix_problems(objects) == []
        reports = {
            o["external_references"][0]["external_id"] for o in objects if o["type"] == "report"
        }
        expected = {
            str(u)
            for u in selectors.served_cases(_actor(organisation)).values_list("uuid", flat=True)
        }
        assert reports == expected, organisation.name
        assert markings <= {o["id"] for o in objects}
        feed = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}")
        assert set(feed.get("/feeds/misp/manifest.json").json()) == expected


def test_the_disarm_collection_is_valid_stix(seeded):
    objects = disarm.markings() + disarm.framework_objects()
    assert stix_problems(objects) == []
    assert len(objects) > 100


def _actor(organisation):
    return OrganisationActor(organisation=organisation)
