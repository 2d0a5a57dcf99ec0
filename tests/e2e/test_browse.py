"""A reader searches, narrows by a facet, adds a country through the picker's term search,
removes a chip, and goes back: the URL holds the whole state."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from practices.discovery.search import search_index_rebuild
from practices.models import Taxonomy, Term
from tests.e2e.test_small_screens import signed_in
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(db):
    country = Taxonomy.objects.create(slug="country", name="Country")
    red = Taxonomy.objects.create(slug="disarm-red", name="DISARM Red")
    japan = Term.objects.create(taxonomy=country, code="JP", label="Japan")
    korea = Term.objects.create(taxonomy=country, code="KR", label="Korea")
    estonia = Term.objects.create(taxonomy=country, code="EE", label="Estonia")
    degrade = Term.objects.create(taxonomy=red, code="T0086", label="Degrade adversary")
    author = OrganisationFactory(name="Author office")
    for title, summary, terms in (
        ("Ballot rumours", "Rumours about the elections.", [japan, degrade]),
        ("Baltic letters", "Letters before the elections.", [estonia, degrade]),
        ("Harbour video", "A doctored video.", [korea]),
        ("Tokyo leaflets", "Leaflets about a harbour.", [japan]),
    ):
        CaseStudyFactory(
            organisation=author,
            title=title,
            summary=summary,
            terms=terms,
            published_at=timezone.now(),
        )
    search_index_rebuild()
    return UserFactory(organisation=OrganisationFactory(name="Reader office"))


def results(page: Page):
    return page.get_by_role("region", name="Results").get_by_role("heading", level=3)


def test_search_facet_picker_and_chips(page: Page, live_server, reader):
    signed_in(page, live_server, reader)
    page.goto(reverse("practices:case-list"))
    expect(results(page)).to_have_count(4)

    page.get_by_label("Search", exact=True).fill("elections")
    page.get_by_role("button", name="Search", exact=True).click()
    # Equally relevant: the newer first.
    expect(results(page)).to_have_text(["Baltic letters", "Ballot rumours"])
    expect(page.locator(".snippet mark").first).to_have_text("elections")

    facets = page.get_by_role("navigation", name="Narrow the results")
    facets.get_by_role("link", name=re.compile(r"Japan\s+1")).click()
    expect(results(page)).to_have_text(["Ballot rumours"])
    expect(page).to_have_url(re.compile(r"tag=country%3AJP"))
    expect(page.get_by_role("link", name="Remove filter Country: Japan")).to_be_visible()

    # The country picker asks the server as one types and offers links adding the term.
    page.get_by_label("Find in Country").fill("kor")
    page.locator("[data-term-search-results]").get_by_role("link", name="Korea").click()
    expect(page.get_by_role("link", name="Remove filter Country: Korea")).to_be_visible()
    expect(results(page)).to_have_text(["Ballot rumours"])  # Korea has no election case

    page.get_by_role("link", name="Remove filter Search: “elections”").click()
    expect(results(page)).to_have_count(3)
    page.get_by_role("link", name="Remove filter Country: Japan").click()
    expect(results(page)).to_have_text(["Harbour video"])
    expect(page.get_by_role("link", name="Remove filter Country: Japan")).to_have_count(0)

    page.go_back()
    expect(results(page)).to_have_count(3)
    expect(page.get_by_role("link", name="Remove filter Country: Japan")).to_be_visible()
