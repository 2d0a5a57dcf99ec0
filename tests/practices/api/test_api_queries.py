"""The API's case list, case detail and change feed cost a fixed number of queries, however
many cases, tags, references, attachments and recipients there are, for tokens and people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Organisation
from practices.models import CaseStudy
from practices.sync import feed
from tests.conftest import enrol_totp
from tests.factories import OrganisationFactory
from tests.practices.api.pages import populate

CASES = "/api/v1/cases/"
FEED = "/api/v1/changes/"


def token_client(org: Organisation, member, moderator) -> APIClient:
    _, plaintext = services.api_token_create(actor=None, organisation=org, name="Sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def member_client(org: Organisation, member, moderator) -> APIClient:
    client = APIClient()
    client.force_login(member)
    return client


def moderator_client(org: Organisation, member, moderator) -> APIClient:
    # Moderators read every organisation's recipients: another prefetch path.
    enrol_totp(moderator)
    client = APIClient()
    client.force_login(moderator)
    return client


CLIENTS: dict[str, Callable[..., APIClient]] = {
    "token": token_client,
    "member": member_client,
    "moderator": moderator_client,
}


@pytest.fixture
def scene(org, other_org, member, moderator, terms):
    return {"org": org, "other_org": other_org, "member": member, "moderator": moderator}


def _client(scene, actor: str) -> APIClient:
    client = CLIENTS[actor](scene["org"], scene["member"], scene["moderator"])
    # Warm up per-client state (the token's once-a-minute last-used write, the session).
    assert client.get("/api/v1/me/").status_code == 200
    return client


def _visible(scene, actor: str) -> int:
    person = scene["moderator"] if actor == "moderator" else scene["member"]
    return CaseStudy.objects.visible_to(person).count()


def count(client: APIClient, url: str, *, expect: int) -> int:
    """Queries one request makes; also checks it returned the expected number of items."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == expect
    return len(queries)


@pytest.mark.parametrize("actor", ["token", "member"])
def test_list_and_feed_queries_do_not_grow_with_cases_or_page_size(scene, terms, actor):
    client = _client(scene, actor)
    populate(5, org=scene["org"], other_org=scene["other_org"], terms=terms, extras=1)
    few = _visible(scene, actor)
    small = {
        "list": count(client, f"{CASES}?limit=100", expect=few),
        "feed": count(client, f"{FEED}?limit=500", expect=few),
    }

    populate(40, org=scene["org"], other_org=scene["other_org"], terms=terms, extras=3)
    many = _visible(scene, actor)
    large = {
        "list": count(client, f"{CASES}?limit=100", expect=many),
        "feed": count(client, f"{FEED}?limit=500", expect=many),
    }
    paged = count(client, f"{CASES}?limit=3", expect=3)

    assert many == few + 40
    assert small == large
    assert paged == large["list"]
    assert large["list"] <= 12 and large["feed"] <= 14


@pytest.mark.parametrize("actor", list(CLIENTS))
def test_case_detail_queries_do_not_grow_with_tags_references_attachments(scene, terms, actor):
    client = _client(scene, actor)
    # The second case of each batch belongs to the other organisation, is published and
    # readable by every actor here.
    plain = populate(2, org=scene["org"], other_org=scene["other_org"], terms=terms, extras=1)[1]
    rich = populate(2, org=scene["org"], other_org=scene["other_org"], terms=terms, extras=6)[1]
    CaseStudy.objects.filter(pk=rich.pk).update(tlp="amber")
    rich.recipients.set([scene["org"], *OrganisationFactory.create_batch(3)])

    queries = []
    for case in (plain, rich):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{CASES}{case.uuid}/")
        assert response.status_code == 200, response.content
        queries.append(len(captured))

    assert len(response.json()["attachments"]) == 6
    assert len(response.json()["references"]) == 6
    assert len(response.json()["tags"]) > 1
    assert queries[0] == queries[1]
    assert queries[1] <= 12


def _withdraw(cases: list[CaseStudy]) -> None:
    for case in cases:
        CaseStudy.objects.filter(pk=case.pk).update(status="withdrawn")
        case.refresh_from_db()
        with transaction.atomic():
            feed.change_record(case)


def test_change_feed_queries_do_not_grow_with_tombstones(scene, terms):
    client = _client(scene, "token")
    cases = populate(12, org=scene["org"], other_org=scene["other_org"], terms=terms, extras=1)
    foreign = [c for c in cases if c.organisation_id == scene["other_org"].pk]
    url = f"{FEED}?limit=500"

    _withdraw(foreign[:1])
    one = count(client, url, expect=12)
    _withdraw(foreign[1:])
    response = client.get(url)
    several = count(client, url, expect=12)

    tombstones = [e for e in response.json()["results"] if e["deleted"]]
    assert len(tombstones) == len(foreign) >= 5
    assert all(e["case"] is None for e in tombstones)
    assert one == several
