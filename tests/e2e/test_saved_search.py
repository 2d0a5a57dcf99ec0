"""A member saves a search from the browse page, finds it under Saved searches, runs it,
changes its e-mail and deletes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from practices.models import SavedSearch
from tests.e2e.test_case_drafting import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saving_running_and_changing_a_search(page: Page, member):
    sign_in(page, member.email)
    page.goto("/cases/?q=harbour&tlp=green")
    page.get_by_text("Save this search").click()
    page.get_by_label("Name").fill("Harbour fires")
    page.get_by_label("E-mail me new matching cases").select_option("daily")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_text("Saved “Harbour fires”")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/cases/\?q=harbour&tlp=green$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved searches").click()
    row = page.get_by_role("row", name=re.compile("Harbour fires"))
    expect(row).to_contain_text("Daily")
    row.get_by_role("link", name="Run").click()
    expect(page).to_have_url(re.compile(r"/cases/\?q=harbour&tlp=green$"))
    expect(page.get_by_label("Search", exact=True)).to_have_value("harbour")

    page.go_back()
    page.get_by_role("link", name="Edit Harbour fires").click()
    page.get_by_label("E-mail me new matching cases").select_option("weekly")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Harbour fires"))).to_contain_text("Weekly")
    assert SavedSearch.objects.get(owner=member).frequency == "weekly"

    page.get_by_role("button", name="Delete Harbour fires").click()
    expect(page.get_by_text("You have no saved searches yet.")).to_be_visible()
