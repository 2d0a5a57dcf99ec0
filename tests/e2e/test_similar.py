"""The journey of issue 13 to its end: matrix → cell → filtered list → case → a similar case;
the similar list never names the AMBER case the reader may not read, and axe-core finds no
violation on a case page with similar and linked cases."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_violations
from tests.e2e.test_small_screens import PHONE, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matrix_to_cell_to_list_to_case_to_similar_case(page: Page, live_server, matrix_reader):
    signed_in(page, live_server, matrix_reader)
    page.goto("/")
    page.get_by_role("link", name="DISARM matrix").click()
    cell = (
        page.get_by_role("table")
        .get_by_role("cell")
        .filter(has_text="T0086 Develop Image-Based Content")
    )
    cell.get_by_role("link", name="2 cases").click()
    expect(page).to_have_url(re.compile(r"/cases/\?tag=disarm-red%3AT0086$"))
    results = page.get_by_role("region", name="Results").get_by_role("heading", level=3)
    results.filter(has_text="Ballot rumours").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ballot rumours")

    similar = page.get_by_role("region", name="Similar cases")
    expect(similar.get_by_role("listitem")).to_have_count(2)  # not the hidden AMBER case
    expect(similar).not_to_contain_text("Hidden amber")
    similar.get_by_role("link", name="Baltic letters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baltic letters")
    expect(page.get_by_role("region", name="Similar cases")).to_contain_text("Ballot rumours")


def test_axe_finds_no_violation_on_a_case_with_similar_cases(browser, live_server, matrix_reader):
    from practices.models import CaseStudy

    case = CaseStudy.objects.get(title="Ballot rumours")
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    signed_in(page, live_server, matrix_reader)
    page.goto(f"/cases/{case.uuid}/")
    expect(page.get_by_role("region", name="Similar cases")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    context.close()
