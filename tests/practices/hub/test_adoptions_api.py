"""The nested API: /api/v1/cases/{uuid}/adoptions/ — read by whoever reads the case, written
by write tokens of another organisation, changed only by the adopting organisation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services
from practices.models import Adoption, CaseChange
from tests.practices.hub.adoption_scene import ADOPTER_NAME, make_scene

BODY = {
    "applied_on": "2026-05-01",
    "where": "Osaka",
    "effect": "effective",
    "evidence": "measured",
    "attribution_mode": "anonymised",
}


@pytest.fixture
def scene(db):
    return make_scene()


def token(organisation, *, write=True) -> APIClient:
    _, plaintext = account_services.api_token_create(
        actor=None, organisation=organisation, name="Sync", write=write
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_write_token_of_another_organisation_records_and_reads_back(scene):
    case = scene.case(tlp="amber")
    url = f"/api/v1/cases/{case.uuid}/adoptions/"
    response = token(scene.adopter).post(url, BODY, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["adopter"]["name"] == ADOPTER_NAME  # its own organisation sees itself
    adoption = Adoption.objects.get()
    assert adoption.author is None and adoption.organisation == scene.adopter
    assert CaseChange.objects.filter(case_uuid=case.uuid).count() == 1
    # The recipient reads it anonymised; the bystander may not read the case at all.
    listed = token(scene.recipient, write=False).get(url).json()["results"]
    assert [a["uuid"] for a in listed] == [created["uuid"]]
    assert listed[0]["adopter"]["name"] is None
    assert token(scene.bystander).get(url).status_code == 404
    assert token(scene.bystander).get(f"{url}{created['uuid']}/").status_code == 404
    detail = token(scene.recipient, write=False).get(f"/api/v1/cases/{case.uuid}/").json()
    assert detail["adoptions"] == listed


def test_refusals(scene):
    case = scene.case(tlp="green")
    url = f"/api/v1/cases/{case.uuid}/adoptions/"
    assert token(scene.adopter, write=False).post(url, BODY, format="json").status_code == 403
    assert token(scene.originator).post(url, BODY, format="json").status_code == 403
    invalid = token(scene.adopter).post(
        url, {**BODY, "applied_on": "2999-01-01", "effect": "great"}, format="json"
    )
    assert invalid.status_code == 400
    assert set(invalid.json()["errors"]) == {"effect"}  # the date is checked by the service
    future = token(scene.adopter).post(url, {**BODY, "applied_on": "2999-01-01"}, format="json")
    assert future.status_code == 400
    assert "cannot be in the future" in future.content.decode()
    amber = scene.case(tlp="amber")
    blocked = token(scene.bystander).post(
        f"/api/v1/cases/{amber.uuid}/adoptions/", BODY, format="json"
    )
    assert blocked.status_code == 404
    withdrawn = scene.case(status="withdrawn")
    assert (
        token(scene.originator).get(f"/api/v1/cases/{withdrawn.uuid}/adoptions/").status_code == 200
    )
    assert not Adoption.objects.exists()


def test_only_the_adopting_organisation_changes_or_removes(scene):
    case = scene.case(tlp="green")
    adoption = scene.adoption(case)
    url = f"/api/v1/cases/{case.uuid}/adoptions/{adoption.uuid}/"
    for organisation in (scene.originator, scene.bystander, scene.recipient):
        client = token(organisation)
        assert client.patch(url, {"where": "Elsewhere"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    own = token(scene.adopter)
    changed = own.patch(url, {"where": "Daegu", "version": 1}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["where"] == "Daegu" and changed.json()["version"] == 2
    assert changed.json()["effect"] == "effective"  # untouched
    assert own.patch(url, {"where": "Ulsan", "version": 1}, format="json").status_code == 409
    assert own.delete(url).status_code == 204
    assert not Adoption.objects.exists()


def test_insights_api_ranks_most_adopted_visible_cases(scene):
    public = scene.case(tlp="green")
    hidden = scene.case(tlp="amber")
    for _ in range(3):
        scene.adoption(hidden, effect="highly_effective")
    scene.adoption(public, effect="ineffective")
    scene.adoption(public, effect="not_assessed")
    ranked = token(scene.bystander, write=False).get("/api/v1/insights/").json()["most_adopted"]
    assert [(r["uuid"], r["adoptions"], r["average_effect"]) for r in ranked] == [
        (str(public.uuid), 2, 1.0)
    ]
    ranked = token(scene.recipient, write=False).get("/api/v1/insights/").json()["most_adopted"]
    assert [r["uuid"] for r in ranked] == [str(hidden.uuid), str(public.uuid)]
