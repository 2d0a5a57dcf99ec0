"""Facet counts on the browse page and the API: each count is the length of the list with that
value chosen, for every kind of reader, and never reflects a case the reader may not read."""

from __future__ import annotations

import datetime
import re
import threading
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practices.cases.querysets import CaseStudyQuerySet
from practices.discovery import browse, case_facts, facets
from practices.discovery.facets import case_facets
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.search import case_search, kept_matches, search_index_rebuild
from practices.models import CaseStudy, Taxonomy, Term
from practices.moderation.transitions import case_study_retag, case_study_withdraw
from practices.sync.feed import change_record, last_seq
from practices.sync.models import CaseChange, FeedCounter
from tests.concurrency import in_threads
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory
from tests.practices.api.test_api_cases import bearer

pytestmark = pytest.mark.django_db

TERMS = {
    "disarm-red": {
        "T0086": "Degrade adversary",
        "T0002": "Facilitate state propaganda",
        "T0099": "Secret technique",
    },
    "disarm-blue": {"C00159": "Have a disinformation response plan"},
    "country": {"JP": "Japan", "KR": "Korea", "EE": "Estonia", "AU": "Australia"},
    "language": {"ja": "Japanese", "en": "English"},
    "platform": {"x": "X (Twitter)"},
    "theme": {"elections": "Elections and referendums"},
    "threat-actor": {"state": "State actor"},
    "region": {"indo-pacific": "Indo-Pacific", "euro-atlantic": "Euro-Atlantic"},
    "keyword": {"harbour": "harbour", "nightfall": "operation nightfall"},
}


def term(tag: str) -> Term:
    slug, _, code = tag.partition(":")
    return Term.objects.get(taxonomy__slug=slug, code=code)


@pytest.fixture
def vocabulary(db):
    for position, (slug, terms) in enumerate(TERMS.items()):
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug.title(), position=position)
        for code, label in terms.items():
            Term.objects.create(taxonomy=taxonomy, code=code, label=label)


@pytest.fixture
def recipient(db):
    return UserFactory(organisation=OrganisationFactory(name="Third office"))


@pytest.fixture
def world(vocabulary, org, other_org, recipient, moderator):
    """Cases of every visibility; the author is ``other_org`` unless said otherwise."""
    day = timezone.now()

    def case(
        title,
        *,
        tags,
        organisation=other_org,
        status="published",
        tlp="green",
        year=2024,
        effectiveness="effective",
        recipients=(),
        summary="A fictional incident.",
        age=0,
        language="en",
    ):
        return CaseStudyFactory(
            title=title,
            organisation=organisation,
            status=status,
            tlp=tlp,
            summary=summary,
            language=language,
            incident_start=datetime.date(year, 3, 1) if year else None,
            effectiveness=effectiveness,
            published_at=day - datetime.timedelta(days=age) if status == "published" else None,
            recipients=list(recipients),
            terms=[term(t) for t in tags],
        )

    cases = [
        case(
            "Ballot rumours",
            summary="Rumours about the elections.",
            language="ja",
            age=1,
            tags=[
                "disarm-red:T0086",
                "disarm-blue:C00159",
                "country:JP",
                "region:indo-pacific",
                "theme:elections",
                "language:ja",
                "platform:x",
                "threat-actor:state",
            ],
        ),
        case(
            "Harbour video",
            tlp="clear",
            year=2025,
            effectiveness="partly_effective",
            age=2,
            tags=["disarm-red:T0002", "country:KR", "region:indo-pacific", "keyword:harbour"],
        ),
        case(
            "Baltic letters",
            age=3,
            summary="Letters before the elections.",
            tags=["disarm-red:T0086", "country:EE", "region:euro-atlantic", "language:en"],
        ),
        case(
            "Amber for the third office",
            language="ja",
            tlp="amber",
            recipients=[recipient.organisation],
            year=2023,
            effectiveness="highly_effective",
            age=4,
            tags=["disarm-red:T0086", "country:JP", "country:AU", "theme:elections"],
        ),
        case(
            "Amber for the reader",
            language="ko",
            tlp="amber_strict",
            recipients=[org],
            effectiveness="ineffective",
            age=5,
            tags=["disarm-red:T0002", "country:JP"],
        ),
        case(
            "Draft",
            language="ko",
            status="draft",
            year=2022,
            tags=["disarm-red:T0099", "country:AU", "keyword:nightfall"],
        ),
        case("Withdrawn", status="withdrawn", year=2021, tags=["disarm-red:T0099", "country:AU"]),
        case("Submitted", status="submitted", year=2020, tags=["disarm-red:T0099"]),
        case(
            "Reader's own amber",
            organisation=org,
            tlp="amber",
            year=2025,
            effectiveness="not_assessed",
            age=6,
            tags=["disarm-red:T0086", "country:EE"],
        ),
        case("Undated", tlp="clear", year=None, age=7, tags=["disarm-red:T0086"]),
    ]
    search_index_rebuild()
    return cases


ACTORS = ("visitor", "member", "recipient", "moderator", "author")


def actor_for(name, *, member, recipient, moderator, outsider):
    return {
        "visitor": AnonymousUser(),
        "member": member,
        "recipient": recipient,
        "moderator": moderator,
        "author": outsider,
    }[name]


@pytest.fixture
def people(member, recipient, moderator, outsider):
    return {
        name: actor_for(
            name, member=member, recipient=recipient, moderator=moderator, outsider=outsider
        )
        for name in ACTORS
    }


def facet_counts(actor, query: str) -> dict[tuple[str, str], int]:
    filterset = CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor)
    return {
        (facet.family, value.value): value.count
        for facet in case_facets(filterset)
        for value in facet.values
    }


# --- An oracle written independently of the code under test ---------------------------------


def readable(actor) -> list[CaseStudy]:
    return list(CaseStudy.objects.visible_to(actor).published().prefetch_related("terms__taxonomy"))


def matches(case: CaseStudy, filters: dict[str, list[str]], found_by_text: set[int]) -> bool:
    tags = {f"{t.taxonomy.slug}:{t.code}" for t in case.terms.all()}
    year = str(case.incident_start.year) if case.incident_start else None
    for family, values in filters.items():
        if family == "q":
            if case.pk not in found_by_text:
                return False
        elif family == "tlp":
            if case.tlp not in values:
                return False
        elif family == "year":
            if year not in values:
                return False
        elif family == "effectiveness":
            if case.effectiveness not in values:
                return False
        elif family == "written_in":
            if case.language not in values:
                return False
        elif family == "period_from":  # active on or after: ended then or later, or not ended
            day = datetime.date.fromisoformat(values[0])
            if case.incident_end is not None and case.incident_end < day:
                return False
            if case.incident_end is None and case.incident_start is None:
                return False
        elif family == "period_to":
            day = datetime.date.fromisoformat(values[0])
            if case.incident_start is None or case.incident_start > day:
                return False
        elif not tags & {f"{family}:{code}" for code in values}:  # a taxonomy: any of them
            return False
    return True


def parse_filters(query: str) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name, values in QueryDict(query).lists():
        for value in values:
            if name == "tag":
                slug, _, code = value.partition(":")
                filters.setdefault(slug, []).append(code)
            else:
                filters.setdefault(name, []).append(value)
    return filters


def expected_counts(actor, query: str) -> dict[tuple[str, str], int]:
    """For every value on a readable case: how many readable cases the list holds when that
    value is chosen alone in its family, the other filters as they are."""
    filters = parse_filters(query)
    text = filters.get("q", [""])[0]
    found = set(case_search(CaseStudy.objects.all(), text).values_list("pk", flat=True))
    cases = readable(actor)
    candidates = set()
    for case in cases:
        candidates |= {
            (t.taxonomy.slug, f"{t.taxonomy.slug}:{t.code}")
            for t in case.terms.all()
            if t.taxonomy.slug != "keyword"
        }
        candidates |= {("tlp", case.tlp), ("effectiveness", case.effectiveness)}
        candidates.add(("written_in", case.language))
        if case.incident_start:
            candidates.add(("year", str(case.incident_start.year)))
    counts = {}
    for family, value in candidates:
        chosen = value.partition(":")[2] if ":" in value else value
        narrowed = {**filters, family: [chosen]}
        count = sum(matches(case, narrowed, found) for case in cases)
        if count:
            counts[(family, value)] = count
    return counts


QUERIES = [
    "",
    "tag=country:JP",
    "tag=country:JP&tag=country:KR&tlp=green",
    "tag=disarm-red:T0086&year=2024&effectiveness=effective",
    "q=elections",
    "q=elections&tag=region:indo-pacific&tlp=amber&tlp=green",
    "tag=country:EE&tag=disarm-red:T0086&year=2025&year=2024",
    "written_in=ja",
    "written_in=ja&written_in=ko&tag=country:JP&tlp=amber_strict&tlp=green",
    "period_from=2024-06-01",
    "period_to=2024-12-31",
]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("query", QUERIES)
def test_each_count_is_the_length_of_the_list_with_that_value(world, people, who, query):
    actor = people[who]
    shown = {key: count for key, count in facet_counts(actor, query).items() if count}
    assert shown == expected_counts(actor, query)


def test_counts_never_reflect_unreadable_cases(world, people):
    # T0099 is only on a draft, a withdrawn and a submitted case; Australia only there and on
    # an AMBER case for the third office (written by the author's organisation).
    for who in ACTORS:
        counts = facet_counts(people[who], "")
        assert ("disarm-red", "disarm-red:T0099") not in counts
        assert counts.get(("country", "country:AU"), 0) == (
            1 if who in ("recipient", "moderator", "author") else 0
        )
        assert counts.get(("tlp", "amber_strict"), 0) == (
            1 if who in ("member", "moderator", "author") else 0
        )
    assert facet_counts(people["visitor"], "").get(("country", "country:JP")) is None  # all GREEN+
    assert facet_counts(people["member"], "")[("country", "country:JP")] == 2
    assert facet_counts(people["recipient"], "")[("country", "country:JP")] == 2


@pytest.fixture
def deactivated(people):
    return UserFactory(organisation=people["member"].organisation, is_active=False)


@pytest.fixture
def every_actor(people, deactivated) -> list:
    """Each kind of reader, and people of an inactive organisation or themselves deactivated."""
    inactive = UserFactory(organisation=OrganisationFactory(is_active=False))
    return [*people.values(), inactive, deactivated]


@pytest.mark.parametrize("public_view", [True, False])
def test_the_tlps_counted_from_the_shared_aggregate_are_wholly_visible(
    world, people, every_actor, deactivated, settings, public_view
):
    # The unfiltered page counts these TLPs' published cases from an aggregate shared by every
    # reader; that is only right if the reader sees every such case, whoever wrote it.
    settings.PUBLIC_VIEW_ENABLED = public_view
    for actor in every_actor:
        whole = CaseStudy.objects.tlps_published_to(actor)
        published = CaseStudy.objects.published()
        visible = CaseStudy.objects.visible_to(actor).published()
        for tlp in whole:
            assert published.filter(tlp=tlp).count() == visible.filter(tlp=tlp).count(), tlp
        assert set(published.filter(tlp__in=whole)) <= set(visible)
    assert CaseStudy.objects.tlps_published_to(people["member"]) == {"clear", "green"}
    assert CaseStudy.objects.tlps_published_to(people["moderator"]) == set(CaseStudy.TLP.values)
    assert CaseStudy.objects.tlps_published_to(deactivated) == set()
    assert CaseStudy.objects.tlps_published_to(people["visitor"]) == (
        {"clear"} if public_view else set()
    )


@pytest.mark.parametrize("public_view", [True, False])
def test_the_tlps_a_search_may_read_alone_are_all_the_reader_sees(
    world, people, every_actor, settings, public_view
):
    # A search reads only these TLPs' index entries: right only if the reader sees those
    # TLPs' published cases and nothing else.
    settings.PUBLIC_VIEW_ENABLED = public_view
    for actor in every_actor:
        alone = CaseStudy.objects.tlps_alone_visible_to(actor)
        if alone:
            expected = CaseStudy.objects.published().filter(tlp__in=alone)
            assert set(CaseStudy.objects.visible_to(actor)) == set(expected)
    assert CaseStudy.objects.tlps_alone_visible_to(people["member"]) == set()
    assert CaseStudy.objects.tlps_alone_visible_to(people["moderator"]) == set()
    assert CaseStudy.objects.tlps_alone_visible_to(people["visitor"]) == (
        {"clear"} if public_view else set()
    )


def test_unfiltered_counts_follow_a_change_at_once(world, people):
    # The shared aggregate is cached under the change feed's last number, which every case
    # write moves: a withdrawn case leaves the counts with the very next request.
    assert facet_counts(people["member"], "")[("country", "country:JP")] == 2
    assert facet_counts(people["visitor"], "").get(("tlp", "clear")) == 2
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    case_study_withdraw(actor=people["moderator"], case_study=ballot, comment="Superseded.")
    assert facet_counts(people["member"], "")[("country", "country:JP")] == 1
    harbour = CaseStudy.objects.get(title="Harbour video")
    case_study_withdraw(actor=people["moderator"], case_study=harbour, comment="Superseded.")
    assert facet_counts(people["visitor"], "").get(("tlp", "clear")) == 1


def test_a_familys_own_selection_does_not_narrow_its_counts(world, people):
    counts = facet_counts(people["moderator"], "tag=country:JP")
    assert counts[("country", "country:KR")] == 1  # still offered: it would add Harbour video
    assert counts[("country", "country:JP")] == 3
    assert counts[("disarm-red", "disarm-red:T0002")] == 1  # other families: within Japan only


def test_following_a_facet_link_gives_a_list_of_that_length(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-list"), {"tag": "region:indo-pacific"})
    for facet in response.context["facets"]:
        if facet.family == "region":
            continue
        for value in facet.values:
            listed = client.get(reverse("practices:case-list") + value.href)
            assert listed.context["page"].paginator.count == value.count, value.label


def test_a_broad_search_counts_and_filters_within_its_newest_matches(world, moderator, monkeypatch):
    from practices.discovery import search

    # A text search keeps its newest matches; filters narrow within them, so a facet count
    # is still the length of the list its link gives.
    monkeypatch.setattr(search, "NEWEST_MATCHES", 2)
    client = Client()
    client.force_login(moderator)
    response = client.get(reverse("practices:case-list"), {"q": "fictional"})
    assert response.context["page"].paginator.count == 2
    titles = [c.title for c in response.context["page"]]
    assert titles == ["Harbour video", "Amber for the third office"]
    counted = 0
    for facet in response.context["facets"]:
        for value in facet.values:
            listed = client.get(reverse("practices:case-list") + value.href)
            assert listed.context["page"].paginator.count == value.count, value.label
            counted += value.count
    assert counted > 0
    note = "most recent matches; add words or filters to reach older cases."
    assert note in response.content.decode()  # older matches were left out: it says so
    narrow = client.get(reverse("practices:case-list"), {"q": "rumours"}).content.decode()
    assert note not in narrow


def test_the_page_shows_counts_as_numbers(world, member):
    client = Client()
    client.force_login(member)
    page = client.get(reverse("practices:case-list")).content.decode()
    assert re.search(r"T0086 Degrade adversary</span> <span class=\"facet-count\">4<", page)
    assert "Secret technique" not in page
    assert "Australia" not in page


# --- Chips ---------------------------------------------------------------------------------------


def test_chips_are_readable_and_each_removes_only_itself(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(
        reverse("practices:case-list"),
        {"tag": ["disarm-red:T0086", "country:JP"], "tlp": "green", "q": "elections"},
    )
    chips = {chip.label: chip.href for chip in response.context["chips"]}
    assert set(chips) == {
        "Search: “elections”",
        "DISARM T0086 Degrade adversary",
        "Country: Japan",
        "TLP:GREEN",
    }
    remaining = QueryDict(chips["DISARM T0086 Degrade adversary"].lstrip("?"))
    assert remaining.getlist("tag") == ["country:JP"]
    assert remaining["q"] == "elections"
    assert remaining["tlp"] == "green"
    page = response.content.decode()
    assert 'aria-label="Remove filter DISARM T0086 Degrade adversary"' in page


def test_old_region_and_country_links_still_filter_and_become_tags(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-list"), {"country": "JP"})
    assert {c.title for c in response.context["page"]} == {
        "Ballot rumours",
        "Amber for the reader",
    }
    [chip] = response.context["chips"]
    assert chip.label == "Country: Japan"
    assert chip.href == "?"
    assert "tag=country%3AJP" in response.context["query"]


def test_an_empty_result_offers_each_filter_for_removal_with_its_count(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(
        reverse("practices:case-list"), {"tag": ["country:KR", "disarm-red:T0086"]}
    )
    assert response.context["page"].paginator.count == 0
    offered = [(s.chip.label, s.count) for s in response.context["suggestions"]]
    assert offered == [("Country: Korea", 4), ("DISARM T0086 Degrade adversary", 1)]
    assert "Remove Country: Korea</a> — 4 cases" in response.content.decode()


# --- Sort, pages, count -------------------------------------------------------------------------


def titles(response) -> list[str]:
    return [case.title for case in response.context["page"]]


def test_sort_orders(world, member):
    client = Client()
    client.force_login(member)
    url = reverse("practices:case-list")
    newest = titles(client.get(url))
    assert newest[:3] == ["Ballot rumours", "Harbour video", "Baltic letters"]
    by_incident = titles(client.get(url, {"sort": "incident"}))
    assert by_incident[:2] == ["Harbour video", "Reader's own amber"]  # 2025 first
    assert by_incident[-1] == "Undated"
    # Relevance is the default with words, and means nothing without them.
    assert client.get(url, {"q": "elections"}).context["selection"].effective_sort == "relevance"
    assert client.get(url, {"sort": "relevance"}).context["selection"].effective_sort == "newest"
    assert titles(client.get(url, {"q": "elections", "sort": "newest"})) == [
        "Ballot rumours",
        "Baltic letters",
    ]


def test_page_numbers_and_a_capped_count(world, member, monkeypatch):
    monkeypatch.setattr(browse, "COUNT_CAP", 3)
    monkeypatch.setattr("practices.discovery.views.PAGE_SIZE", 2)
    monkeypatch.setattr("practices.discovery.views.COUNT_CAP", 3)
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-list"), {"page": 2})
    page = response.content.decode()
    assert "3+ cases: narrow the search" in page
    assert response.context["page"].paginator.num_pages == 2
    assert '<span aria-current="page">2</span>' in page
    assert 'href="?page=1"' in page


def test_browse_page_query_count_does_not_grow(vocabulary, member, other_org):
    terms = [term("disarm-red:T0086"), term("country:JP"), term("region:indo-pacific")]
    client = Client()
    client.force_login(member)
    url = reverse("practices:case-list") + (
        "?q=incident&tag=country:JP&tag=disarm-red:T0086&tlp=green&year=2024&sort=incident"
    )

    def make(n):
        for _ in range(n):
            CaseStudyFactory(
                organisation=other_org,
                terms=terms,
                incident_start=datetime.date(2024, 1, 1),
                published_at=timezone.now(),
            )
        search_index_rebuild()

    def count():
        cache.clear()  # the search's matches are cached: compare first requests
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make(5)
    few = count()
    make(45)
    assert count() == few


# --- The term search behind the pickers ---------------------------------------------------------


def terms_found(client, **params) -> str:
    return client.get(reverse("practices:case-terms"), {"fragment": "1", **params}).content.decode()


def test_term_search_lists_vocabulary_terms_as_links_adding_them(world, member):
    client = Client()
    client.force_login(member)
    found = terms_found(client, taxonomy="country", q="jap", state="tag=disarm-red:T0086")
    assert "Japan" in found and "Korea" not in found
    assert "tag=disarm-red%3AT0086&amp;tag=country%3AJP" in found
    page = client.get(reverse("practices:case-terms"), {"taxonomy": "country", "q": "jap"})
    assert "Back to the results" in page.content.decode()  # works without script, as a page


def test_term_search_never_lists_a_keyword_only_on_unreadable_cases(world, member, outsider):
    client = Client()
    client.force_login(member)
    assert "harbour" in terms_found(client, taxonomy="keyword", q="")
    assert "nightfall" not in terms_found(client, taxonomy="keyword", q="night")
    client.force_login(outsider)  # its own draft is not on the browse page either
    assert "nightfall" not in terms_found(client, taxonomy="keyword", q="night")


def test_a_chosen_keyword_only_on_unreadable_cases_is_shown_as_typed(world, member):
    # "keyword:nightfall" is only on another organisation's draft: its chip, here and on the
    # pages across cases, must look like a keyword that does not exist (neither its label
    # nor that it exists), and a keyword on a readable case is named by its label.
    client = Client()
    client.force_login(member)
    for page in ("practices:case-list", "practices:matrix", "practices:insights"):
        hidden = client.get(reverse(page), {"tag": "keyword:nightfall"})
        missing = client.get(reverse(page), {"tag": "keyword:daybreak"})
        assert [c.label for c in hidden.context["chips"]] == ["keyword: nightfall"], page
        assert [c.label for c in missing.context["chips"]] == ["keyword: daybreak"], page
        assert "operation nightfall" not in hidden.content.decode()
    shown = client.get(reverse("practices:case-list"), {"tag": "keyword:harbour"})
    assert [c.label for c in shown.context["chips"]] == ["Keyword: harbour"]
    layer = client.get(reverse("practices:matrix-navigator"), {"tag": "keyword:nightfall"})
    assert layer.status_code == 200 and "operation nightfall" not in layer.content.decode()


def test_term_search_of_an_unknown_vocabulary_says_what_to_do(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-terms"), {"taxonomy": "organisation"})
    assert response.status_code == 400
    assert "use the search box under one of the filters" in response.content.decode()


# --- The API ----------------------------------------------------------------------------------


def api_counts(client, query: str) -> dict[tuple[str, str], int]:
    response = client.get("/api/v1/cases/facets/?" + query)
    assert response.status_code == 200, response.content
    return {
        (facet["family"], value["value"]): value["count"]
        for facet in response.json()["facets"]
        for value in facet["values"]
        if value["count"]
    }


@pytest.mark.parametrize("query", QUERIES[:4])
def test_api_facets_match_the_list_for_two_organisations(world, org, recipient, query):
    for organisation in (org, recipient.organisation):
        client = bearer(organisation)
        actor = UserFactory(organisation=organisation)  # reads what the token reads
        assert api_counts(client, query) == expected_counts(actor, query)


def test_api_facets_total_and_bad_values(world, org):
    client = bearer(org)
    body = client.get("/api/v1/cases/facets/", {"tag": "country:JP"}).json()
    assert body["count"] == 2 and body["count_capped"] is False
    refused = client.get("/api/v1/cases/facets/", {"tlp": "red"})
    assert refused.status_code == 400
    assert "tlp" in refused.content.decode()


def test_api_facets_are_in_the_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/facets/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "tag", "tlp", "year"}


def test_a_bad_value_is_left_out_with_a_message_saying_what_to_do(world, member):
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-list"), {"tlp": ["red", "green"], "year": "abc"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "“red” is not a TLP label shared here; it was left out." in page
    assert "“abc” is not a year from 1900 to 2100" in page
    assert response.context["selection"].tlp == ["green"]  # the good values still apply
    assert {c.tlp for c in response.context["page"]} == {"green"}


def test_the_api_list_takes_the_same_words_and_facets(world, org):
    client = bearer(org)
    query = "q=elections&year=2024&effectiveness=effective&effectiveness=ineffective"
    listed = client.get("/api/v1/cases/?" + query).json()["results"]
    assert sorted(case["title"] for case in listed) == ["Ballot rumours", "Baltic letters"]
    counts = api_counts(client, "q=elections&year=2024")
    assert counts[("effectiveness", "effective")] == 2
    assert client.get("/api/v1/cases/", {"year": "soon"}).status_code == 400


@pytest.mark.parametrize("query", QUERIES)
def test_the_api_list_holds_what_the_facet_counts_count_for_the_same_query(
    world, org, recipient, query
):
    # Several values of one taxonomy mean any of them in both (repeated or comma-separated),
    # and the period narrows both.
    for organisation in (org, recipient.organisation):
        client = bearer(organisation)
        counted = client.get("/api/v1/cases/facets/?" + query).json()["count"]
        listed = client.get("/api/v1/cases/?status=published&" + query).json()["results"]
        assert len(listed) == counted, (organisation, query)
        pairs = [pair.split("=") for pair in query.split("&") if pair]
        tags = ",".join(value for name, value in pairs if name == "tag")  # tag=a,b: the same
        commas = [(name, value) for name, value in pairs if name != "tag"] + [("tag", tags)]
        again = client.get("/api/v1/cases/?status=published&" + urlencode(commas))
        again = again.json()["results"]
        assert [case["uuid"] for case in again] == [case["uuid"] for case in listed]


def test_the_api_list_searches_before_it_filters_as_the_facet_counts_do(world, org, monkeypatch):
    """A search keeps its newest matches and the other filters narrow within them, in the
    list as in the counts: with room for one match, the newest "elections" case is kept, and
    a tag only an older match carries leaves nothing (not that older match)."""
    from practices.discovery import search

    client = bearer(org)
    query = {"q": "elections", "status": "published"}
    matches = [
        CaseStudy.objects.get(uuid=case["uuid"])
        for case in client.get("/api/v1/cases/", query).json()["results"]
    ]
    newest = max(matches, key=lambda case: (case.published_at, case.pk))
    older = {f"{t.taxonomy.slug}:{t.code}" for m in matches if m != newest for t in m.terms.all()}
    only_older = sorted(older - {f"{t.taxonomy.slug}:{t.code}" for t in newest.terms.all()})
    assert only_older  # the world holds such a tag

    monkeypatch.setattr(search, "NEWEST_MATCHES", 1)
    query["tag"] = only_older[0]
    assert client.get("/api/v1/cases/facets/", query).json()["count"] == 0
    assert client.get("/api/v1/cases/", query).json()["results"] == []
    query["tag"] = next(f"{t.taxonomy.slug}:{t.code}" for t in newest.terms.all())
    assert client.get("/api/v1/cases/facets/", query).json()["count"] == 1
    assert len(client.get("/api/v1/cases/", query).json()["results"]) == 1


def test_the_api_lists_published_search_keeps_its_newest_published_matches(world, org, monkeypatch):
    """``status=published`` applies before the words: the organisation's own newer draft
    takes no place among the search's newest matches, as it takes none in the counts."""
    from practices.discovery import search

    draft = CaseStudyFactory(
        organisation=org, status="draft", title="Elections draft", summary="The elections."
    )
    search.search_index_update([draft.pk])
    monkeypatch.setattr(search, "NEWEST_MATCHES", 1)
    client = bearer(org)
    query = {"q": "elections", "status": "published"}
    listed = client.get("/api/v1/cases/", query).json()["results"]
    assert client.get("/api/v1/cases/facets/", query).json()["count"] == len(listed) == 1
    assert listed[0]["title"] != draft.title
    everything = client.get("/api/v1/cases/", {"q": "elections"}).json()["results"]
    assert [case["title"] for case in everything] == [draft.title]  # its own, newest


def test_a_published_api_list_is_known_as_such_to_the_search(member):
    from practices.api.cases import readable_cases
    from practices.api.filters import CaseStudyApiFilterSet
    from practices.discovery.window import published_only

    filters = CaseStudyApiFilterSet()
    listed = readable_cases(member)
    assert published_only(filters.filter_status(listed, "status", ["published"]))
    assert not published_only(filters.filter_status(listed, "status", ["published", "draft"]))


def test_region_and_country_are_read_as_tags_in_the_api_list_as_in_the_counts(world, org):
    client = bearer(org)
    for query in (
        {"tag": "region:indo-pacific", "region": "euro-atlantic"},
        {"tag": "country:JP", "country": "ee"},
        {"region": "indo-pacific", "tag": "disarm-red:T0086"},
    ):
        counted = client.get("/api/v1/cases/facets/", query).json()["count"]
        listed = client.get("/api/v1/cases/", {**query, "status": "published"}).json()
        assert len(listed["results"]) == counted > 0, query


@pytest.mark.parametrize(
    "value", ["country", "foo", "country:", ":JP", "country:JP,foo", ",", "country:JP,", " : "]
)
def test_a_tag_that_is_not_taxonomy_and_code_is_refused_not_dropped(world, org, member, value):
    """Left out silently, it would widen the list it was meant to narrow."""
    client = bearer(org)
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/stix/",
        "/api/v1/cases/facets/",
        "/api/v1/insights/",
        "/api/v1/matrix/",
    ):
        response = client.get(path, {"tag": value})
        assert response.status_code == 400, (path, response.content)
        assert "is not a tag such as country:JP" in response.content.decode()
    page = Client()
    page.force_login(member)
    response = page.get(reverse("practices:case-list"), {"tag": [value, "country:JP"]})
    assert "is not a tag such as country:JP" in response.content.decode()
    assert response.context["selection"].tags == {"country": ["JP"]}  # the good one applies
    listed = list(response.context["page"])
    japan = term("country:JP")
    assert listed and all(japan in case.terms.all() for case in listed)


@pytest.mark.parametrize("name", ["country", "region"])
@pytest.mark.parametrize("value", [",", "JP,KR", " "])
def test_a_region_or_country_that_is_not_one_code_is_refused(world, org, member, name, value):
    client = bearer(org)
    for path in ("/api/v1/cases/", "/api/v1/cases/facets/"):
        response = client.get(path, {name: value})
        assert response.status_code == 400, (path, response.content)
        assert "is not one code such as JP" in response.content.decode()
    page = Client()
    page.force_login(member)
    response = page.get(reverse("practices:case-list"), {name: value})
    assert "is not one code such as JP" in response.content.decode()


def test_tag_values_the_schema_allows_are_those_the_api_takes():
    """The pattern in the OpenAPI schema is the one the API checks with (read as ECMAScript
    by clients, as Python here): white space is spelled out in it."""
    import re

    from practices.discovery.selection import TAG_PATTERN, tags_parse, tags_refused

    taken = ["country:JP", "disarm-red:T0086,country:KR", "a b:c d", "x:y:z", " country : JP "]
    refused = [",", " ", "country", "country:", ":JP", "country:JP,", "\x85:JP", "\ufeff:JP"]
    assert tags_refused([*taken, ""]) == []  # empty: not given
    assert tags_refused(refused) == refused
    for value in taken:  # nothing the pattern lets through is left out
        parts = [part for part in value.split(",") if part.strip()]
        assert sum(len(codes) for codes in tags_parse([value]).values()) == len(parts)
    assert all(re.fullmatch(TAG_PATTERN, value) for value in taken)


def test_result_cards_show_disarm_codes_linking_to_their_filter(world, member):
    client = Client()
    client.force_login(member)
    page = client.get(reverse("practices:case-list")).content.decode()
    assert '<abbr title="Degrade adversary">T0086</abbr>' in page
    assert 'href="/cases/?tag=disarm-blue:C00159"' in page


def test_facet_values_and_card_tags_escape_what_they_write(world, member):
    # Both are written in Python (practices/templatetags/practices.py), not by the template.
    for tag in ("country:JP", "disarm-red:T0086"):
        Term.objects.filter(pk=term(tag).pk).update(label='<img src=x onerror="alert(1)">')
    client = Client()
    client.force_login(member)
    page = client.get(reverse("practices:case-list")).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_a_cards_tags_read_as_rows_are_those_of_its_prefetched_terms(vocabulary, other_org):
    # The browse page reads its cards' terms as plain rows (card_terms_attach); other lists
    # prefetch them. Same tags, same order, in the reader's language.
    from django.utils import translation

    from practices.cases.selectors import card_terms_attach
    from practices.templatetags.practices import case_card_tags

    Term.objects.filter(code="elections").update(translations={"fr": "Élections"})
    case = CaseStudyFactory(
        organisation=other_org,
        terms=[
            term(tag)
            for tag in (
                "theme:elections",
                "country:KR",
                "disarm-red:T0086",
                "platform:x",
                "country:JP",
                "region:indo-pacific",
                "disarm-blue:C00159",
                "disarm-red:T0002",
            )
        ],
    )
    card_terms_attach([case])
    assert [(t.slug, t.code) for t in case.card_terms] == [
        ("disarm-red", "T0002"),
        ("disarm-red", "T0086"),
        ("disarm-blue", "C00159"),
        ("country", "JP"),
        ("country", "KR"),
        ("theme", "elections"),
        ("region", "indo-pacific"),
    ]  # no platform: cards do not show it
    prefetched = CaseStudy.objects.prefetch_related("terms__taxonomy").get(pk=case.pk)
    for language in ("en", "fr"):
        with translation.override(language):
            assert case_card_tags(case) == case_card_tags(prefetched)
    with translation.override("fr"):
        assert "Élections" in case_card_tags(case)


def test_facet_labels_are_in_the_readers_language(world, member):
    from django.utils import translation

    Term.objects.filter(code="elections").update(translations={"fr": "Élections"})

    def labels(language: str) -> tuple[dict[str, str], list[str]]:
        with translation.override(language), CaptureQueriesContext(connection) as queries:
            filterset = CaseStudyFilterSet.for_reader(QueryDict(), actor=member)
            shown = {v.value: v.label for f in case_facets(filterset) for v in f.values}
        return shown, [q["sql"] for q in queries.captured_queries]

    english, queries = labels("en")
    assert english["theme:elections"] == "Elections and referendums"
    # An English reader reads the stored labels, so the terms' translations are not fetched.
    assert not any("translations" in sql for sql in queries)
    french, queries = labels("fr")
    assert french["theme:elections"] == "Élections"
    assert french["country:JP"] == "Japon"
    assert english["disarm-red:T0086"] == french["disarm-red:T0086"]  # DISARM stays in English


# --- Values the page takes ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["practices:case-list", "practices:matrix", "practices:insights"])
def test_an_incident_period_is_applied_and_shown_as_a_chip(world, member, url):
    client = Client()
    client.force_login(member)
    response = client.get(reverse(url), {"period_from": "2024-01-01", "period_to": "2030-12-31"})
    assert response.status_code == 200
    labels = [chip.label for chip in response.context["chips"]]
    assert len(labels) == 2 and all("2024" in label or "2030" in label for label in labels)


@pytest.mark.parametrize("values", [["xx"], ["xx", "ja"]])
def test_an_unknown_language_code_is_left_out_with_a_message(world, member, values):
    client = Client()
    client.force_login(member)
    response = client.get(reverse("practices:case-list"), {"written_in": values})
    assert response.status_code == 200
    assert "“xx” is not a language code; it was left out." in response.content.decode()
    assert response.context["selection"].languages == [v for v in values if v != "xx"]
    picker = client.get(
        reverse("practices:case-terms"),
        {"taxonomy": "country", "q": "jap", "state": "written_in=xx&written_in=ja"},
    )
    assert picker.status_code == 200


@pytest.mark.parametrize("q", ["-elections", "!!!", "OR", "-"])
def test_the_api_list_holds_what_the_facets_count_for_a_query_without_words(
    world, org, monkeypatch, q
):
    # No word to search for: no search, on the list as in the counts (a search would keep
    # only its newest matches: one here).
    from practices.discovery import search

    monkeypatch.setattr(search, "NEWEST_MATCHES", 1)
    api = bearer(org)
    counted = api.get("/api/v1/cases/facets/", {"q": q}).json()["count"]
    listed = api.get("/api/v1/cases/", {"q": q, "status": "published"}).json()["results"]
    assert counted > 1 and len(listed) == counted


def test_tags_naming_more_vocabularies_than_the_portal_has_list_nothing_at_once(world, member, org):
    # Each vocabulary named is one more join for PostgreSQL to plan (a hundred made-up ones
    # kept it planning one request for half a minute); naming more than the portal has names
    # one that does not exist, which no case carries.
    import time

    from practices.discovery.selection import MAX_TAG_FAMILIES
    from practices.vocabularies.loaders import VOCABULARIES

    assert len(VOCABULARIES) < MAX_TAG_FAMILIES
    many = ",".join(f"made-up-{n}:x" for n in range(100)) + ",country:JP"
    client = Client()
    client.force_login(member)
    api = bearer(org)
    started = time.monotonic()
    page = client.get(reverse("practices:case-list"), {"tag": many})
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    listed = api.get("/api/v1/cases/", {"tag": many, "status": "published"})
    assert listed.status_code == 200 and listed.json()["results"] == []
    counted = api.get("/api/v1/cases/facets/", {"tag": many})
    assert counted.status_code == 200 and counted.json()["count"] == 0
    export = client.get(reverse("practices:case-list-csv"), {"tag": many})
    assert export.status_code == 200 and len(b"".join(export.streaming_content).splitlines()) == 1
    assert time.monotonic() - started < 10  # minutes on PostgreSQL before
    # As many as the portal has still narrow as before.
    real = ["disarm-red:T0086", "country:JP", "theme:elections", "language:ja", "platform:x"]
    listed = client.get(reverse("practices:case-list"), {"tag": real})
    assert [c.title for c in listed.context["page"]] == ["Ballot rumours"]


# --- A search's facets counted from the process's memory of the cases (case_facts) -----------
#
# Tests run inside a transaction, where the memory is never used (its uncommitted writes are
# not in the feed): these commit for real, and make the feed's entries the memory follows.

SEARCHES = [
    "q=elections",
    "q=fictional",
    "q=rumours OR letters",
    "q=fictional&tag=country:JP",
    "q=fictional&tlp=green",
    "q=fictional&written_in=ja",
]


def fed(*cases: CaseStudy) -> None:
    """A feed entry for each case, as every service writes one with its change."""
    with transaction.atomic():
        for case in cases:
            change_record(case)


@pytest.fixture
def counted_in_memory(monkeypatch):
    """The database's counts of cases refused: a facet counted there fails the test."""

    def refused(*args, **kwargs):
        raise AssertionError("counted in the database, not from the memory")

    for name in ("_both_counts", "_term_counts", "_scalar_rows"):
        monkeypatch.setattr(facets, name, refused)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ACTORS)
def test_a_searchs_counts_from_memory_are_the_lengths_of_the_lists(
    world, people, counted_in_memory, who
):
    fed(*world)
    actor = people[who]
    for query in SEARCHES:
        shown = {key: count for key, count in facet_counts(actor, query).items() if count}
        assert shown == expected_counts(actor, query), query
    assert case_facts.held()  # counted there, not passed by


@pytest.mark.django_db(transaction=True)
def test_the_memory_holds_facts_never_readers_own_cases_they_cannot_read(
    world, people, counted_in_memory
):
    # A moderator's search puts every published case in the memory; a member's search then
    # still counts only the cases the member reads (the ids come from the member's queryset).
    fed(*world)
    facet_counts(people["moderator"], "q=fictional")
    fictional = {c.pk for c in world if c.status == "published" and "fictional" in c.summary}
    assert set(case_facts.held()) == fictional
    counts = facet_counts(people["visitor"], "q=fictional")
    assert counts[("tlp", "clear")] == 2
    assert ("tlp", "green") not in counts and ("country", "country:JP") not in counts
    assert facet_counts(people["member"], "q=fictional").get(("country", "country:AU")) is None


@pytest.mark.django_db(transaction=True)
def test_the_memory_follows_each_change_through_the_feed(world, people, counted_in_memory):
    fed(*world)
    moderator = people["moderator"]
    before = facet_counts(moderator, "q=elections")
    assert before[("country", "country:JP")] == 2
    ballot = CaseStudy.objects.get(title="Ballot rumours")

    # Re-tagged by a moderator (the service records the change in the feed).
    case_study_retag(actor=moderator, case_study=ballot, terms={"country": [term("country:KR")]})
    after = facet_counts(moderator, "q=elections")
    assert after[("country", "country:JP")] == 1
    assert after[("country", "country:KR")] == 1

    # Any write that records itself: the scalars follow too.
    CaseStudy.objects.filter(pk=ballot.pk).update(effectiveness="ineffective")
    fed(ballot)
    counts = facet_counts(moderator, "q=elections")
    assert counts[("effectiveness", "ineffective")] == 1
    assert counts[("effectiveness", "effective")] == before[("effectiveness", "effective")] - 1
    shown = {key: count for key, count in counts.items() if count}
    assert shown == expected_counts(moderator, "q=elections")


@pytest.mark.django_db(transaction=True)
def test_a_case_read_while_it_changes_is_not_kept_as_it_was(world, people, monkeypatch):
    # A request reads a case's facts while another request's write changes them and a third
    # brings the memory up to that write: what the first read is used once, never kept.
    fed(*world)
    moderator = people["moderator"]
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    read = case_facts._read

    def read_then_changed(ids):
        found = read(ids)
        if ballot.pk in ids:
            monkeypatch.setattr(case_facts, "_read", read)
            CaseStudy.objects.filter(pk=ballot.pk).update(effectiveness="ineffective")
            fed(ballot)
            case_facts._caught_up()  # as another thread's request would, meanwhile
        return found

    monkeypatch.setattr(case_facts, "_read", read_then_changed)
    assert facet_counts(moderator, "q=rumours")[("effectiveness", "effective")] == 1
    assert ballot.pk not in case_facts.held()
    counts = facet_counts(moderator, "q=rumours")
    assert counts[("effectiveness", "ineffective")] == 1
    assert counts.get(("effectiveness", "effective"), 0) == 0


@pytest.mark.django_db(transaction=True)
def test_the_memory_is_forgotten_when_the_feed_is_not_the_one_it_followed(world, people):
    # A restored database: the feed's last number is the same, its entry another. A change
    # made meanwhile without a later entry must still be seen.
    fed(*world)
    moderator = people["moderator"]
    assert facet_counts(moderator, "q=rumours")[("effectiveness", "effective")] == 1
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    assert ballot.pk in case_facts.held()
    CaseChange.objects.filter(seq=last_seq()).update(created_at=timezone.now())
    CaseStudy.objects.filter(pk=ballot.pk).update(effectiveness="ineffective")
    cache.clear()  # the counts kept under that number have their own bound (COUNTED_TIMEOUT)
    assert facet_counts(moderator, "q=rumours")[("effectiveness", "ineffective")] == 1

    # The feed emptied (a flush): the memory is not used, and what it held goes.
    CaseChange.objects.all().delete()
    FeedCounter.objects.all().delete()
    assert case_facts.facet_counts([ballot.pk]) is None
    assert not case_facts.held()


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_facets_are_counted_in_the_database(world, people):
    fed(*world)
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    with transaction.atomic():
        assert case_facts.facet_counts([ballot.pk]) is None
    assert case_facts.facet_counts([ballot.pk]) is not None
    assert case_facts.held() == [ballot.pk]


def total(rows: list[dict]) -> int:
    return sum(row["count"] for row in rows)


@pytest.mark.django_db(transaction=True)
def test_the_memory_counts_every_case_as_the_database_does(world, org):
    bare = CaseStudyFactory(organisation=org, incident_start=None)  # no terms, no year
    fed(*world, bare)
    ids = list(CaseStudy.objects.values_list("pk", flat=True))
    asked = [*ids, ids[0], max(ids) + 1000]  # one twice, one that does not exist
    terms, rows = facets._both_counts(CaseStudy.objects.filter(pk__in=ids))
    for _ in ("read", "held"):
        remembered = case_facts.facet_counts(asked)
        assert remembered[0] == terms
        assert sorted(remembered[1], key=repr) == sorted(rows, key=repr)


@pytest.mark.django_db(transaction=True)
def test_ids_kept_from_an_earlier_request_are_read_again_through_the_readers_queryset(
    world, people
):
    # A search's ids from the cache (``.ranked`` without ``.matched``): one of them is no
    # longer readable, though the memory holds it (a moderator counted it).
    fed(*world)
    member = people["member"]
    readable = CaseStudy.objects.visible_to(member).published()
    shown = readable.get(title="Ballot rumours")
    hidden = CaseStudy.objects.get(title="Amber for the third office")
    case_facts.facet_counts([shown.pk, hidden.pk])
    cases = kept_matches(readable, [shown.pk, hidden.pk], cut=False)
    assert total(facets._remembered(cases)[1]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_first_catch_up_racing_another_keeps_no_stale_fact(world, monkeypatch):
    # One thread starts from an empty memory; meanwhile another brings it up to date and
    # keeps a case, which then changes. The first thread read only the last entry.
    fed(*world)
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    since = case_facts._entries_since

    def another_thread_meanwhile(seq):
        monkeypatch.setattr(case_facts, "_entries_since", since)
        assert case_facts.facet_counts([ballot.pk]) is not None
        CaseStudy.objects.filter(pk=ballot.pk).update(effectiveness="ineffective")
        fed(ballot)
        return since(seq)

    monkeypatch.setattr(case_facts, "_entries_since", another_thread_meanwhile)
    case_facts.facet_counts([])
    assert [row["effectiveness"] for row in case_facts.facet_counts([ballot.pk])[1]] == [
        "ineffective"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_held_case_forgotten_by_another_thread_while_counting_is_still_counted(
    world, monkeypatch
):
    fed(*world)
    held, other = CaseStudy.objects.published().order_by("pk")[:2]
    case_facts.facet_counts([held.pk])
    read = case_facts._read

    def another_thread_meanwhile(ids):
        found = read(ids)
        monkeypatch.setattr(case_facts, "_read", read)
        fed(held)  # a write to the held case, and another request catching up
        case_facts._caught_up()
        return found

    monkeypatch.setattr(case_facts, "_read", another_thread_meanwhile)
    assert total(case_facts.facet_counts([held.pk, other.pk])[1]) == 2


@pytest.mark.django_db(transaction=True)
def test_a_counted_case_deleted_since_is_not_counted(world):
    fed(*world)
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    pk = ballot.pk
    case_facts.facet_counts([pk])
    with transaction.atomic():  # as the admin deletes
        change_record(ballot, deleted=True)
        ballot.delete()
    assert case_facts.facet_counts([pk]) == (Counter(), [])
    assert not case_facts.held()


@pytest.mark.django_db(transaction=True)
def test_a_write_that_took_no_feed_number_is_seen_after_max_age(world, monkeypatch):
    fed(*world)
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    assert [row["effectiveness"] for row in case_facts.facet_counts([ballot.pk])[1]] == [
        "effective"
    ]
    CaseStudy.objects.filter(pk=ballot.pk).update(effectiveness="ineffective")  # raw
    assert [row["effectiveness"] for row in case_facts.facet_counts([ballot.pk])[1]] == [
        "effective"
    ]
    monkeypatch.setattr(case_facts, "MAX_AGE", 0)
    assert [row["effectiveness"] for row in case_facts.facet_counts([ballot.pk])[1]] == [
        "ineffective"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_worker_warms_its_memory_with_the_newest_published_cases(world, monkeypatch):
    fed(*world)
    monkeypatch.setattr(case_facts, "WARM_CHUNK", 2)
    case_facts.warm_in_background().join(timeout=30)
    newest = CaseStudy.objects.published().order_by("-published_at", "-pk")
    assert sorted(case_facts.held()) == sorted(newest.values_list("pk", flat=True))
    case_facts.forget()
    case_facts.warm(newest=3)
    assert sorted(case_facts.held()) == sorted(newest.values_list("pk", flat=True)[:3])

    # Forgotten for its age, the memory is warmed again (in the background, as at start).
    monkeypatch.setattr(case_facts, "MAX_AGE", 0)
    started = []
    monkeypatch.setattr(case_facts, "warm_in_background", lambda: started.append(True))
    case_facts.facet_counts([])
    assert started == [True] and not case_facts.held()


def test_a_worker_that_cannot_reach_the_database_serves_on_without_warming(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CaseStudyQuerySet, "published", unreachable)
    case_facts.warm()
    assert "was not warmed" in caplog.text and not case_facts.held()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_counts_from_memory_while_a_moderator_retags_end_where_the_database_is(
    world, people, counted_in_memory
):
    # Two readers count a search from the shared memory while a moderator moves a case between
    # two countries, each move committed on its own connection.
    fed(*world)
    moderator = people["moderator"]
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    japan, korea = term("country:JP"), term("country:KR")
    done = threading.Event()

    def retag():
        try:
            for n in range(20):
                country = korea if n % 2 == 0 else japan
                case_study_retag(actor=moderator, case_study=ballot, terms={"country": [country]})
        finally:
            done.set()

    def count():
        sums = set()
        while True:  # once at least, however soon the moves end
            finished = done.is_set()
            counts = facet_counts(moderator, "q=elections")
            sums.add(
                counts.get(("country", "country:JP"), 0) + counts.get(("country", "country:KR"), 0)
            )
            if finished:
                break
        return sums

    outcomes = in_threads({"moderator": retag, "reader": count, "other": count}, refused=())
    assert outcomes["reader"][1] == outcomes["other"][1] == {2}  # one country each time
    counts = facet_counts(moderator, "q=elections")
    assert {key: n for key, n in counts.items() if n} == expected_counts(moderator, "q=elections")
    assert counts[("country", "country:JP")] == 2  # the last move: back to Japan
