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
from practices.models import Attachment, CaseStudy, Reference, Taxonomy, Term
from practices.sync import feed
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory

CASES = "/api/v1/cases/"
FEED = "/api/v1/changes/"


@pytest.fixture
def terms(db) -> list[Term]:
    made = []
    for slug, codes in {
        "disarm-red": ["T0002", "T0003", "T0004"],
        "country": ["EE", "JP"],
        "region": ["euro-atlantic"],
        "keyword": ["forgery"],
    }.items():
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        made += [Term.objects.create(taxonomy=taxonomy, code=c, label=c) for c in codes]
    return made


def populate(
    n: int, *, org: Organisation, other_org: Organisation, terms: list[Term], extras: int
) -> list[CaseStudy]:
    """n cases readable by ``org``: its own (some anonymised, some drafts) and other
    organisations' (GREEN, and AMBER naming it), each with ``extras`` references and
    attachments; then a feed entry for each."""
    third = OrganisationFactory()
    cases = []
    for i in range(n):
        own = i % 2 == 0
        amber = i % 3 == 0
        cases.append(
            CaseStudyFactory(
                organisation=org if own else other_org,
                status="draft" if own and i % 4 == 0 else "published",
                tlp="amber" if amber else "green",
                attribution_mode="anonymised" if i % 5 < 2 else "named",
                recipients=[other_org if own else org, third] if amber else [],
                terms=terms[: 1 + i % len(terms)] + terms[-extras:],
            )
        )
    Reference.objects.bulk_create(
        Reference(case_study=case, url=f"https://example.org/{case.pk}/{k}", title=f"R{k}")
        for case in cases
        for k in range(extras)
    )
    Attachment.objects.bulk_create(
        Attachment(
            case_study=case,
            file=f"attachments/{case.uuid}/{k}",
            filename=f"evidence-{k}.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
        )
        for case in cases
        for k in range(extras)
    )
    feed.backfill()
    return cases


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
