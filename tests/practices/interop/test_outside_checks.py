"""The checks from outside: the OASIS validator (stix2-validator, STIX 2.1) on every bundle the
portal makes for the demo cases and for generated cases, and the OASIS TAXII client
(taxii2-client) against a live server."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import requests
import stix2
from django.core.management import call_command
from django.test import Client
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection, Server, as_pages

from accounts.authentication import OrganisationActor
from accounts.models import Organisation
from practices.interop import disarm, taxii
from practices.models import CaseStudy
from tests.practices.interop.conftest import make_case, token_for, touch

OPTIONS = ValidationOptions(version="2.1")


def assert_valid(bundle: dict) -> None:
    results = validate_instance(bundle, OPTIONS)
    errors = [str(error) for result in [results] for error in result.errors]
    for result in getattr(results, "object_results", []):
        errors += [str(error) for error in result.errors]
    assert results.is_valid, errors
    # …and the OASIS stix2 library reads it back: every object, as the type it says it is.
    parsed = stix2.parse(bundle, allow_custom=True)
    assert [o["id"] for o in parsed.objects] == [o["id"] for o in bundle["objects"]]


@pytest.mark.django_db
def test_every_demo_bundle_passes_the_oasis_validator():
    call_command("seed_demo", stdout=StringIO())
    checked = 0
    for organisation in Organisation.objects.filter(is_demo=True)[:4]:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}")
        readable = CaseStudy.objects.for_reader(OrganisationActor(organisation=organisation))
        for case in readable:
            assert_valid(client.get(f"/api/v1/cases/{case.uuid}/stix/").json())
            checked += 1
        assert_valid(client.get("/api/v1/cases/stix/", {"limit": 500}).json())
    assert checked > 20
    framework = disarm.markings() + disarm.framework_objects()
    assert_valid({"type": "bundle", "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                  "objects": framework})  # fmt: skip


@pytest.mark.django_db
def test_generated_bundles_pass_the_oasis_validator(world, author_org, reader_org):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(author_org)}")
    for case in world.values():
        assert_valid(client.get(f"/api/v1/cases/{case.uuid}/stix/").json())
    other = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(reader_org)}")
    assert_valid(other.get(f"/api/v1/cases/{world['anonymised'].uuid}/stix/").json())


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _titles(envelopes) -> list[str]:
    return [o["name"] for e in envelopes for o in e.get("objects", []) if o["type"] == "report"]


@pytest.mark.django_db(transaction=True)
def test_the_oasis_taxii_client_reads_the_server(
    live_server, world, reader_org, recipient_org, strict_org
):
    # Discovery and collections, with Basic authentication (the token as password).
    server = Server(f"{live_server.url}/taxii2/", user="mirror", password=token_for(reader_org))
    [root] = server.api_roots
    [cases] = [c for c in root.collections if c.id == taxii.COLLECTION_IDS["cases"]]
    assert {c.id for c in root.collections} == set(taxii.COLLECTION_IDS.values())
    pages = list(as_pages(cases.get_objects, per_request=4))
    assert len(pages) > 2
    assert sorted(_titles(pages)) == ["Anonymised green", "Named green"]

    # Bearer authentication; an AMBER+STRICT case is never served, even to its recipient.
    strict = Collection(cases.url, auth=Bearer(token_for(strict_org)))
    titles = _titles(as_pages(strict.get_objects, per_request=5))
    assert sorted(titles) == ["Amber for recipients", "Anonymised green", "Named green"]

    # Polling with added_after: exactly the changes made in between.
    recipient = Collection(cases.url, user="x", password=token_for(recipient_org))
    first = recipient.get_objects()
    assert first["more"] is False
    last_added = recipient.get_manifest()["objects"][-1]["date_added"]
    touch(world["amber"], summary="Changed for the recipient.")
    touch(world["strict"], summary="Never served here.")
    new = make_case(organisation=world["green"].organisation, title="Brand new", tlp="green")
    changed = _titles(as_pages(recipient.get_objects, per_request=3, added_after=last_added))
    assert changed == ["Amber for recipients", "Brand new"]
    assert new.pk

    # match[...] filters.
    reports = recipient.get_objects(type="report")["objects"]
    assert {o["type"] for o in reports} == {"report"}
    one = recipient.get_object(reports[0]["id"])["objects"]
    assert [o["id"] for o in one] == [reports[0]["id"]]
    versions = recipient.object_versions(reports[0]["id"])
    assert versions["versions"] == [reports[0]["modified"]]

    # A bad token is a 401.
    with pytest.raises(requests.exceptions.HTTPError) as refused:
        Collection(cases.url, user="x", password="cdpe_nope_nope").get_objects()
    assert refused.value.response.status_code == 401


@pytest.mark.django_db
def test_every_demo_event_loads_in_pymisp_with_its_tags():
    """MISP's own library (``MISPEvent``) loads each demo case's event and finds its TLP and
    DISARM galaxy tags and its attributes."""
    call_command("seed_demo", stdout=StringIO())
    organisation = Organisation.objects.filter(is_demo=True).first()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}")
    readable = CaseStudy.objects.for_reader(OrganisationActor(organisation=organisation))
    loaded = 0
    for case in readable.published():
        response = client.get(f"/api/v1/cases/{case.uuid}/misp/")
        assert response.status_code == 200, (case.title, response.content[:300])
        body = response.json()
        data = body.get("Event", body)
        event = MISPEvent()
        event.load(json.loads(response.content))  # MISPEvent.load consumes the dict it gets
        tags = [tag.name for tag in event.tags]
        assert event.uuid == str(case.uuid)
        assert event.info == data["info"]
        assert tags[0] == f"tlp:{case.tlp.replace('_', '+')}"
        assert any(tag.startswith("misp-galaxy:disarm-") for tag in tags) == bool(
            [t for t in data["Tag"] if t["name"].startswith("misp-galaxy:disarm-")]
        )
        assert len(event.attributes) == len(data.get("Attribute", []))
        loaded += 1
    assert loaded > 10
