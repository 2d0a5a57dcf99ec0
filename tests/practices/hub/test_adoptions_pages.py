"""The adoption pages, the case page's "Applied by others" and the API, with their query
counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory
from rest_framework.utils.encoders import JSONEncoder

from accounts import services as account_services
from practices.cases.rendering import cases_render
from practices.cases.representation import CaseStudySerializer
from practices.models import Adoption, CaseStudy
from practices.sync import feed
from tests.practices.hub.adoption_scene import ADOPTER_NAME, make_scene

FORM = {
    "applied_on": "2026-04-02",
    "where": "Tokyo metropolitan area",
    "effect": "effective",
    "evidence": "observed",
    "adaptation": "Shorter videos for LINE.",
    "attribution_mode": "anonymised",
}


@pytest.fixture
def scene(db):
    return make_scene()


def test_eligible_reader_records_an_adoption_through_the_form(scene):
    case = scene.case(tlp="amber")
    client = scene.client("adopter")
    page = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "Record that your organisation applied this" in page
    assert client.get(f"/cases/{case.uuid}/adoptions/new/").status_code == 200
    response = client.post(f"/cases/{case.uuid}/adoptions/new/", FORM)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{case.uuid}/#adoptions")
    adoption = Adoption.objects.get()
    assert adoption.where == "Tokyo metropolitan area"
    assert adoption.is_anonymised
    page = scene.client("recipient").get(f"/cases/{case.uuid}/").content.decode()
    assert "Tokyo metropolitan area" in page
    assert ADOPTER_NAME not in page


RECIPIENTS_WARNING = "If yours is named, those organisations will see that it received the case"


@pytest.mark.parametrize(
    ("tlp", "warned"), [("amber", True), ("amber_strict", True), ("green", False)]
)
def test_the_form_warns_that_a_named_adopter_is_shown_to_the_other_recipients(scene, tlp, warned):
    case = scene.case(tlp=tlp)
    client = scene.client("adopter")
    adoption = scene.adoption(case)

    for path in (
        f"/cases/{case.uuid}/adoptions/new/",
        f"/cases/{case.uuid}/adoptions/{adoption.uuid}/edit/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert (RECIPIENTS_WARNING in response.content.decode()) is warned, path


def test_the_recipients_warning_is_in_the_readers_language(scene):
    case = scene.case(tlp="amber")
    page = (
        scene.client("adopter")
        .get(f"/cases/{case.uuid}/adoptions/new/", HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
    )
    assert "Si la vôtre est nommée, ces organisations verront" in page
    assert "TLP:AMBER" in page


def test_form_errors_are_shown_and_nothing_saved(scene):
    case = scene.case()
    response = scene.client("adopter").post(
        f"/cases/{case.uuid}/adoptions/new/", {**FORM, "applied_on": "2999-01-01", "where": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The date it was applied cannot be in the future." in html
    assert "error-summary" in html
    assert not Adoption.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "tlp", "expected"),
    [
        ("originator", "published", "green", 403),  # its own case
        ("originator", "draft", "green", 403),
        ("bystander", "published", "amber", 404),  # may not read it
        ("bystander", "withdrawn", "green", 404),
        ("moderator", "withdrawn", "green", 403),  # may read it, but it is not published
        ("visitor", "published", "clear", 302),  # sign in first
    ],
)
def test_recording_is_refused(scene, who, status, tlp, expected):
    case = scene.case(status=status, tlp=tlp)
    client = scene.client(who)
    assert client.get(f"/cases/{case.uuid}/adoptions/new/").status_code == expected
    assert client.post(f"/cases/{case.uuid}/adoptions/new/", FORM).status_code == expected
    assert not Adoption.objects.exists()
    if who != "visitor" and expected == 403:
        page = client.get(f"/cases/{case.uuid}/").content.decode()
        assert "Record that your organisation applied this" not in page


@pytest.mark.parametrize("who", ["originator", "bystander", "recipient", "moderator"])
def test_another_organisation_may_not_edit_or_delete(scene, who):
    case = scene.case(tlp="green")
    adoption = scene.adoption(case)
    base = f"/cases/{case.uuid}/adoptions/{adoption.uuid}"
    client = scene.client(who)
    assert client.get(f"{base}/edit/").status_code in (403, 404)
    assert client.post(f"{base}/edit/", FORM).status_code in (403, 404)
    assert client.post(f"{base}/delete/").status_code in (403, 404)
    adoption.refresh_from_db()
    assert adoption.where == "Busan municipal elections"
    assert f"{base}/edit/" not in client.get(f"/cases/{case.uuid}/").content.decode()


def test_adopting_organisation_edits_and_deletes(scene):
    case = scene.case(tlp="green")
    adoption = scene.adoption(case)
    base = f"/cases/{case.uuid}/adoptions/{adoption.uuid}"
    client = scene.client("adopter")
    assert f"{base}/edit/" in client.get(f"/cases/{case.uuid}/").content.decode()
    response = client.post(f"{base}/edit/", {**FORM, "version": adoption.version})
    assert response.status_code == 302
    adoption.refresh_from_db()
    assert adoption.where == "Tokyo metropolitan area"
    assert adoption.version == 2
    stale = client.post(f"{base}/edit/", {**FORM, "version": 1})
    assert stale.status_code == 400
    assert client.post(f"{base}/delete/").status_code == 302
    assert not Adoption.objects.exists()


def test_case_page_section_summarises_the_adoptions(scene):
    case = scene.case()
    scene.adoption(case, effect="effective", evidence="measured")
    scene.adoption(
        case,
        effect="highly_effective",
        evidence="observed",
        anonymised=True,
        adaptation="**Bold** <script>alert(1)</script>",
    )
    html = scene.client("bystander").get(f"/cases/{case.uuid}/").content.decode()
    assert "Applied by others" in html
    assert "Recorded as applied 2 times." in html
    assert "Average effect: 3.5 out of 4." in html
    assert html.count(ADOPTER_NAME) == 1  # the named one only
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html  # Markdown through the sanitiser


def _section_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("practices_adoption" in q["sql"] for q in queries.captured_queries)


def test_case_page_section_makes_one_query_whatever_the_number_of_adoptions(scene):
    case = scene.case()
    client = scene.client("bystander")
    url = f"/cases/{case.uuid}/"
    scene.adoption(case)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(6):
        scene.adoption(case, anonymised=True)
    with CaptureQueriesContext(connection) as seven:
        client.get(url)
    assert len(seven) == len(one)
    assert _section_queries(client, url) == 1


def _token_client(organisation):
    from rest_framework.test import APIClient

    _, plaintext = account_services.api_token_create(
        actor=None, organisation=organisation, name="Sync"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/me/").status_code == 200
    return client


def _count(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


def test_api_list_and_feed_queries_do_not_grow_with_adoptions(scene):
    client = _token_client(scene.bystander)
    cases = [scene.case() for _ in range(2)]
    scene.adoption(cases[0])
    feed.backfill()
    list_few, _ = _count(client, "/api/v1/cases/")
    feed_few, _ = _count(client, "/api/v1/changes/")
    cases += [scene.case() for _ in range(6)]
    for case in cases:
        for anonymised in (False, True, True):
            scene.adoption(case, anonymised=anonymised)
    feed.backfill()
    list_many, listed = _count(client, "/api/v1/cases/")
    feed_many, _ = _count(client, "/api/v1/changes/")
    assert (list_many, feed_many) == (list_few, feed_few)
    assert sum(len(c["adoptions"]) for c in listed["results"]) == 3 * 8 + 1
    assert ADOPTER_NAME in json.dumps(listed)  # the named ones
    anonymous = [a for c in listed["results"] for a in c["adoptions"] if a["adopter"]["anonymised"]]
    assert len(anonymous) == 16
    assert all(a["adopter"]["name"] is None for a in anonymous)


@pytest.mark.parametrize("who", ["adopter", "bystander", "moderator"])
def test_rendering_of_adoptions_matches_the_serializer(scene, who):
    cases = [scene.case() for _ in range(3)]
    for case in cases[:2]:
        scene.adoption(case)
        scene.adoption(case, anonymised=True, adaptation="")
    actor = scene.people[who]
    page = list(CaseStudy.objects.for_reader(actor).order_by("-id"))
    request = APIRequestFactory().get("/api/v1/cases/")
    lean = json.dumps(cases_render(page, actor=actor, request=request), ensure_ascii=False)
    data = CaseStudySerializer(page, many=True, context={"actor": actor, "request": request}).data
    assert lean == json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


def test_insights_rank_visible_cases_by_visible_adoptions(scene):
    public = scene.case(tlp="green")
    hidden = scene.case(tlp="amber")  # the bystander may not read it
    hidden.title = "Secret amber practice"
    hidden.save()
    for _ in range(3):
        scene.adoption(hidden, effect="highly_effective")
    scene.adoption(public, effect="ineffective")
    scene.adoption(public, effect="effective", anonymised=True)
    html = scene.client("bystander").get("/insights/").content.decode()
    start = html.index('id="chart-adopted"')
    table = html[start : html.index("</section>", start)]
    assert public.title in table
    assert "Secret amber practice" not in html
    assert "<td>2</td>" in table and "<td>2.0</td>" in table
    assert "<td>3</td>" not in table
    # The recipient reads both: the amber case ranks first.
    html = scene.client("recipient").get("/insights/").content.decode()
    table = html[html.index('id="chart-adopted"') :]
    assert table.index("Secret amber practice") < table.index(public.title)


def test_operators_read_adoptions_in_the_admin_but_write_nothing_there(scene, client):
    from django.urls import reverse

    from accounts.models import User
    from tests.conftest import enrol_totp

    operator = User.objects.create_superuser(email="ops@example.test", password="x-long-pass")
    enrol_totp(operator)
    client.force_login(operator)
    adoption = scene.adoption(scene.case())
    listing = client.get(reverse("admin:practices_adoption_changelist"))
    assert listing.status_code == 200
    assert str(adoption.uuid) in listing.content.decode()
    change = client.get(reverse("admin:practices_adoption_change", args=[adoption.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:practices_adoption_add")).status_code == 403
    delete = client.post(reverse("admin:practices_adoption_delete", args=[adoption.pk]))
    assert delete.status_code == 403
    assert Adoption.objects.filter(pk=adoption.pk).exists()
