"""A reader opens the DISARM matrix, follows a technique's number to the list of its cases,
opens a case and asks what worked against its technique; on a phone the matrix scrolls within
its own box. axe-core (vendored, tests/e2e/vendor/axe-core) finds no violation on the new
pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_violations
from tests.e2e.test_small_screens import PHONE, page_width, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matrix_to_cell_to_list_to_case_to_what_worked(page: Page, live_server, matrix_reader):
    signed_in(page, live_server, matrix_reader)
    page.goto("/")
    page.get_by_role("link", name="DISARM matrix").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DISARM matrix")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(3)
    # The hidden AMBER case is not counted: two cases, not three.
    cell = table.get_by_role("cell").filter(has_text="T0086 Develop Image-Based Content")
    cell.get_by_role("link", name="2 cases").click()

    expect(page).to_have_url(re.compile(r"/cases/\?tag=disarm-red%3AT0086$"))
    results = page.get_by_role("region", name="Results").get_by_role("heading", level=3)
    expect(results).to_have_count(2)
    page.get_by_role("link", name="What worked against DISARM T0086").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What worked against T0086 Develop Image-Based Content"
    )
    page.go_back()

    results.filter(has_text="Ballot rumours").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ballot rumours")
    page.get_by_role("link", name="What worked against Develop Image-Based Content").click()
    expect(page).to_have_url(re.compile(r"/what-worked/disarm-red/T0086/$"))
    group = page.get_by_role("article").filter(has_text="C00159")
    expect(group).to_contain_text("1 case")
    expect(group.get_by_role("link", name="Ballot rumours")).to_be_visible()
    expect(page.get_by_role("article").filter(has_text="No counter recorded")).to_contain_text(
        "Baltic letters"
    )


def test_sub_techniques_fold_away_and_open_without_script(browser, live_server, matrix_reader):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    signed_in(page, live_server, matrix_reader)
    page.goto(reverse("practices:matrix"))
    details = page.locator("details.subtechniques")
    expect(details.get_by_text("T0086.001")).to_be_hidden()
    details.locator("summary").click()
    expect(details.get_by_text("T0086.001")).to_be_visible()
    context.close()


def test_on_a_phone_the_matrix_scrolls_within_its_own_box(page: Page, live_server, matrix_reader):
    signed_in(page, live_server, matrix_reader)
    page.set_viewport_size(PHONE)
    page.goto(reverse("practices:matrix"))
    box = page.get_by_role("region", name=re.compile("DISARM Red: techniques by tactic"))
    expect(box).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")


@pytest.mark.parametrize(
    "url",
    [
        "/matrix/",
        "/matrix/?tag=country:JP",
        "/matrix/blue/",
        "/what-worked/disarm-red/T0086/",
        "/what-worked/country/JP/",
        "/cases/",
        "/cases/?q=elections&tag=country:JP",
        "/insights/",
        "/insights/?tag=country:JP",
        "/insights/theatres/",
    ],
)
def test_axe_finds_no_violation(browser, live_server, matrix_reader, url):
    # The portal's CSP allows no inline script; axe is injected as one, so this context lets it.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    signed_in(page, live_server, matrix_reader)
    page.goto(url)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    context.close()
