"""The visibility matrix of adoptions: actors × TLP × status × anonymised. An adoption shows
exactly where its case is readable, and an anonymised adopter's name never reaches anyone but
the adopting organisation and the moderators — on the page, in the API and in the feed."""

from __future__ import annotations

import json

import pytest

from practices.hub.adoptions import adoptions_visible_to
from practices.sync import feed
from tests.practices.hub.adoption_scene import ADOPTER_NAME, ADOPTER_SHORT, make_scene

ACTORS = ["visitor", "originator", "bystander", "recipient", "moderator", "adopter"]
TLPS = ["clear", "green", "amber", "amber_strict"]


def _expected_readable(who: str, tlp: str, status: str) -> bool:
    if status == "withdrawn":
        return who in ("originator", "moderator")
    if tlp == "clear":
        return True
    if tlp == "green":
        return who != "visitor"
    return who in ("originator", "recipient", "adopter", "moderator")


def _section(html: str) -> str:
    start = html.find('<section class="case-adoptions"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


@pytest.fixture
def scene(db):
    return make_scene()


@pytest.mark.parametrize("anonymised", [False, True], ids=["named", "anonymised"])
@pytest.mark.parametrize("status", ["published", "withdrawn"])
@pytest.mark.parametrize("tlp", TLPS)
@pytest.mark.parametrize("who", ACTORS)
def test_adoption_shows_exactly_where_its_case_is_readable(scene, who, tlp, status, anonymised):
    case = scene.case(tlp=tlp)
    adoption = scene.adoption(case, anonymised=anonymised)
    case.status = status
    case.save()
    feed.backfill()  # factory-made: one feed entry for the case as it now is
    readable = _expected_readable(who, tlp, status)
    name_shown = readable and (not anonymised or who in ("adopter", "moderator"))
    person = scene.people.get(who)
    client = scene.client(who)

    # The selector every read goes through.
    found = list(adoptions_visible_to(person).filter(pk=adoption.pk))
    assert bool(found) == readable
    if found:
        assert found[0].adopter_visible == name_shown

    # The case page.
    response = client.get(f"/cases/{case.uuid}/")
    assert response.status_code == (200 if readable else 404)
    html = response.content.decode()
    section = _section(html)
    if readable:
        assert "Busan municipal elections" in section
        assert (ADOPTER_NAME in section) == name_shown
        if not name_shown:
            assert "A partner organisation (Indo-Pacific)" in section
    else:
        assert "Busan" not in html
    # The originator (and moderators) see the recipients of an AMBER case by name elsewhere
    # on the page; nobody else ever meets the adopter's name when it is anonymised.
    if not name_shown and who not in ("originator", "moderator"):
        assert ADOPTER_NAME not in html

    # The API (the visitor has none) and the change feed carry the same representation.
    if who == "visitor":
        return
    api = client.get(f"/api/v1/cases/{case.uuid}/")
    assert api.status_code == (200 if readable else 404)
    if readable:
        [shown] = api.json()["adoptions"]
        assert shown["uuid"] == str(adoption.uuid)
        assert shown["adopter"]["anonymised"] is (not name_shown)
        assert (shown["adopter"]["name"] == ADOPTER_NAME) == name_shown
        text = json.dumps(api.json()["adoptions"])
        assert (ADOPTER_NAME in text) == name_shown
        assert (ADOPTER_SHORT in text) == name_shown
    changes = client.get("/api/v1/changes/").json()
    text = json.dumps(changes)
    assert ("Busan municipal elections" in text) == readable
    if not name_shown:
        assert ADOPTER_NAME not in text
