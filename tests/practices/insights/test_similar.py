"""Similar cases: never a case the reader may not read (nor a weight shaped by one), rare terms
before common ones, words among cases sharing terms, nothing when nothing is shared, and as
many queries whatever the number of cases — on the page and in the API."""

from __future__ import annotations

import math

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from practices.discovery.search import search_index_rebuild
from practices.insights.similar import similar_cases, term_weights
from practices.models import CaseStudy, Taxonomy, Term
from tests.practices.api.test_api_cases import bearer
from tests.practices.insights.conftest import ACTORS, make_case, term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


KEYWORDS = ["operation-lantern", "ghost-letters", "harbour-hoax"]
SECRET = "keyword:operation-lantern"  # also carried by cases some readers may not read


@pytest.fixture
def keywords(disarm):
    taxonomy = Taxonomy.objects.create(slug="keyword", name="Keyword", position=90)
    for code in KEYWORDS:
        Term.objects.create(taxonomy=taxonomy, code=code, label=code.replace("-", " ").title())


@pytest.fixture
def base(world, keywords, other_org):
    """A CLEAR case everyone may read, tagged with a keyword hidden cases also carry."""
    case = make_case(
        "Lantern rumours at the harbour",
        organisation=other_org,
        tlp="clear",
        tags=["disarm-red:T0086", "country:JP", "theme:elections", SECRET],
    )
    search_index_rebuild()
    return case


@pytest.fixture
def hidden(base, org, other_org, recipient, moderator):
    """Cases sharing the base case's rarest term that only some readers may read."""
    third = recipient.organisation
    tags = ["disarm-red:T0086", SECRET]
    cases = {
        "amber for the third office": make_case(
            "Hidden amber lantern",
            organisation=other_org,
            tlp="amber",
            recipients=[third],
            tags=tags,
        ),
        "strict for nobody": make_case(
            "Hidden strict lantern", organisation=third, tlp="amber_strict", tags=tags
        ),
        "draft": make_case("Hidden draft lantern", organisation=third, status="draft", tags=tags),
        "submitted": make_case(
            "Hidden submitted lantern", organisation=third, status="submitted", tags=tags
        ),
        "withdrawn": make_case(
            "Hidden withdrawn lantern", organisation=third, status="withdrawn", tags=tags
        ),
    }
    search_index_rebuild()
    return cases


def titles(actor, case):
    return [s.case.title for s in similar_cases(actor=actor, case_study=case)]


@pytest.mark.parametrize("who", ACTORS)
def test_no_similar_case_is_one_the_reader_may_not_read(base, hidden, people, who):
    actor = people[who]
    readable = set(CaseStudy.objects.visible_to(actor).published().values_list("pk", flat=True))
    found = similar_cases(actor=actor, case_study=base)
    assert found, "the base case shares terms with readable cases"
    assert len(found) <= 5
    assert {s.case.pk for s in found} <= readable
    assert base.pk not in {s.case.pk for s in found}
    for case in hidden.values():
        if case.pk not in readable:
            assert case.title not in [s.case.title for s in found]


@pytest.mark.parametrize("who", ACTORS)
def test_the_case_page_names_no_hidden_case(base, hidden, people, who):
    client = Client()
    if people[who].is_authenticated:
        client.force_login(people[who])
    html = client.get(reverse("practices:case-detail", args=[base.uuid])).content.decode()
    assert "Similar cases" in html
    readable = set(CaseStudy.objects.visible_to(people[who]).values_list("pk", flat=True))
    for case in hidden.values():
        if case.pk not in readable:
            assert case.title not in html


def test_only_published_cases_are_suggested_even_to_moderators_and_authors(
    base, hidden, moderator, recipient
):
    # The moderator may open the submitted and withdrawn cases, the third office its draft:
    # none is "what partners shared", so none is suggested.
    assert "Hidden submitted lantern" not in titles(moderator, base)
    assert "Hidden withdrawn lantern" not in titles(moderator, base)
    assert "Hidden draft lantern" not in titles(recipient, base)
    # The published AMBER cases are suggested to those who may read them.
    assert "Hidden amber lantern" in titles(recipient, base)
    assert "Hidden strict lantern" in titles(recipient, base)
    assert "Hidden amber lantern" in titles(moderator, base)


def test_a_weight_is_never_shaped_by_a_case_the_reader_may_not_read(base, keywords, member):
    secret = term(SECRET).pk
    before = term_weights(member, [secret])[secret]
    for n in range(4):  # AMBER cases the member's organisation does not receive
        make_case(f"More hidden {n}", organisation=base.organisation, tlp="amber", tags=[SECRET])
    assert term_weights(member, [secret])[secret] == before
    published = CaseStudy.objects.visible_to(member).published()
    total = published.filter(tlp__in=["clear", "green"]).count()
    df = published.filter(tlp__in=["clear", "green"], terms__pk=secret).count()
    assert before == pytest.approx(math.log(1 + (total - df + 0.5) / (df + 0.5)))


def test_rare_terms_outrank_common_ones(keywords, org, other_org, member):
    common = ["theme:elections", "country:JP"]
    base = make_case("Base case", organisation=other_org, tags=[*common, "keyword:ghost-letters"])
    for n in range(6):  # the common terms are on most cases
        make_case(f"Filler {n}", organisation=other_org, tags=common)
    rare = make_case(
        "Shares the rare keyword", organisation=other_org, tags=["keyword:ghost-letters"]
    )
    search_index_rebuild()
    found = similar_cases(actor=member, case_study=base)
    assert found[0].case == rare
    assert found[0].score > found[1].score
    assert len(found) == 5


def test_shared_words_order_cases_sharing_the_same_terms(keywords, other_org, member):
    tags = ["keyword:harbour-hoax"]
    base = make_case("Ferry sabotage rumour", organisation=other_org, tags=tags)
    plain = make_case("Quiet port story", organisation=other_org, tags=tags, age=0)
    worded = make_case("Sabotage of a ferry", organisation=other_org, tags=tags, age=5)
    make_case("Unrelated", organisation=other_org, tags=["country:KR"])
    search_index_rebuild()
    found = similar_cases(actor=member, case_study=base)
    assert [s.case for s in found] == [worded, plain]


def test_nothing_is_shown_when_nothing_is_shared(keywords, other_org, member):
    lonely = make_case("Lonely", organisation=other_org, tags=["keyword:harbour-hoax"])
    make_case("Other", organisation=other_org, tags=["country:KR"])
    untagged = make_case("Untagged", organisation=other_org, tags=[])
    search_index_rebuild()
    assert similar_cases(actor=member, case_study=lonely) == []
    assert similar_cases(actor=member, case_study=untagged) == []
    client = Client()
    client.force_login(member)
    html = client.get(reverse("practices:case-detail", args=[lonely.uuid])).content.decode()
    assert "Similar cases" not in html


def test_an_anonymised_similar_case_hides_its_originator(
    keywords, org, other_org, member, moderator
):
    base = make_case("Base", organisation=org, tags=["keyword:ghost-letters"])
    shy = make_case("Shy", organisation=other_org, tags=["keyword:ghost-letters"])
    CaseStudy.objects.filter(pk=shy.pk).update(attribution_mode="anonymised")
    client = Client()
    client.force_login(member)
    html = client.get(reverse("practices:case-detail", args=[base.uuid])).content.decode()
    section = html.split('id="similar-h"')[1].split("</section>")[0]
    assert "Shy" in section and "A partner organisation" in section
    assert other_org.name not in section
    client.force_login(moderator)
    html = client.get(reverse("practices:case-detail", args=[base.uuid])).content.decode()
    assert other_org.name in html.split('id="similar-h"')[1].split("</section>")[0]


# --- API -------------------------------------------------------------------------------------


def test_the_api_lists_what_the_page_shows(base, hidden, org, member):
    client = bearer(org)
    body = client.get(f"/api/v1/cases/{base.uuid}/similar/").json()
    expected = similar_cases(actor=member, case_study=base)
    assert [r["uuid"] for r in body["results"]] == [str(s.case.uuid) for s in expected]
    first = body["results"][0]
    assert set(first) == {"uuid", "title", "tlp", "originator", "url", "score", "shared_terms"}
    assert first["url"].startswith("http://testserver/api/v1/cases/")


def test_the_api_answers_404_for_a_case_the_caller_may_not_read(base, hidden, org):
    client = bearer(org)
    for case in hidden.values():
        assert client.get(f"/api/v1/cases/{case.uuid}/similar/").status_code == 404
    missing = client.get("/api/v1/cases/00000000-0000-4000-8000-000000000000/similar/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")
    assert APIClient().get(f"/api/v1/cases/{base.uuid}/similar/").status_code == 401


def test_the_similar_endpoint_is_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    operation = paths["/api/v1/cases/{uuid}/similar/"]["get"]
    assert operation["operationId"] == "cases_similar"
    assert {"200", "404"} <= set(operation["responses"])


# --- Query counts ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_as_many_queries_whatever_the_number_of_cases(base, hidden, org, other_org, member):
    page = Client()
    page.force_login(member)
    api = bearer(org)
    api.get("/api/v1/me/")  # the token's first use is recorded once
    urls = [
        (page, reverse("practices:case-detail", args=[base.uuid])),
        (api, f"/api/v1/cases/{base.uuid}/similar/"),
    ]

    def count() -> list[int]:
        cache.clear()
        with CaptureQueriesContext(connection) as selector:
            similar_cases(actor=member, case_study=base)
        return [len(selector)] + [_queries(client, url) for client, url in urls]

    before = count()
    for n in range(30):
        make_case(
            f"Lantern echo {n}",
            organisation=other_org if n % 2 else org,
            tlp=["green", "clear", "amber"][n % 3],
            tags=["disarm-red:T0086", "country:JP", SECRET, f"keyword:{KEYWORDS[n % 3]}"],
        )
    search_index_rebuild()
    assert count() == before
    assert before[0] <= 6, before  # terms, feed number, counts (2), candidates, rows
